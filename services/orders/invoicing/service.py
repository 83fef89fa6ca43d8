"""Use cases of invoicing: invoice an order with the next gapless number, cancel an invoice by a credit note."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.invoicing import repository as repo
from services.orders.models import Invoice, outbox
from services.orders.ordering import service as ordering
from services.orders.ordering.bodies import line_payload, order_taxes, vat_breakdown
from shared.auth import Principal
from shared.errors import Conflict
from shared.events.orders import (
    InvoiceCancelled,
    InvoiceCancelledPayload,
    InvoiceIssued,
    InvoiceIssuedPayload,
    OrderCancelled,
    OrderInvoiced,
)
from shared.outbox import add_event


async def invoice_order(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """Invoice an order: the next invoice number of the account, with no gap (French rule)."""
    order = await ordering.move_order(session, principal=principal, order_id=order_id, target="invoiced")
    lines = await ordering.order_lines(session, order_id=order.id)
    totals = order_taxes(order.prices_include_tax, lines)
    vat = vat_breakdown(totals)
    # The totals are frozen on the invoice as issued: nothing recomputes them afterwards.
    invoice = Invoice(
        account_id=order.account_id,
        order_id=order.id,
        number=await ordering.next_document_number(session, account_id=order.account_id, kind="invoice"),
        issued_at=datetime.now(UTC),
        total_cents=totals.total_cents,
        prices_include_tax=totals.includes_tax,
        total_excl_tax_cents=totals.total_excl_tax_cents,
        vat=[v.model_dump(mode="json") for v in vat],
        excise_cents=totals.excise_cents,
    )
    session.add(invoice)
    await session.flush()
    details = await ordering.line_details(session, order, lines)
    await add_event(
        session,
        outbox,
        InvoiceIssued,
        account_id=order.account_id,
        payload=InvoiceIssuedPayload(
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            order_id=order.id,
            order_number=order.number,
            client_id=order.client_id,
            issued_at=invoice.issued_at,
            total_cents=invoice.total_cents,
            currency=order.currency,
            lines=[line_payload(line, details[line.variant_id]) for line in lines],
            prices_include_tax=invoice.prices_include_tax,
            total_excl_tax_cents=invoice.total_excl_tax_cents,
            vat=vat,
            excise_cents=invoice.excise_cents,
        ),
    )
    # The order's own state changed too: consumers keep one notion of it, from the order's events.
    await ordering.announce(session, order, OrderInvoiced)
    return await ordering.order_view(session, order)


async def credit_invoice(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """Cancel an order's invoice by a credit note; the order is cancelled with it."""
    order = await ordering.load_order(session, principal=principal, order_id=order_id, for_update=True)
    invoice = await repo.invoice_to_credit(session, order_id=order.id)
    if invoice is None or invoice.cancelled_at is not None:
        raise Conflict(f"Order {order.number} has no invoice to cancel.")
    invoice.credit_note_number = await ordering.next_document_number(
        session, account_id=order.account_id, kind="credit_note"
    )
    invoice.cancelled_at = datetime.now(UTC)
    order = await ordering.move_order(session, principal=principal, order_id=order_id, target="cancelled")
    order.cancelled_at = invoice.cancelled_at
    await session.flush()
    await add_event(
        session,
        outbox,
        InvoiceCancelled,
        account_id=order.account_id,
        payload=InvoiceCancelledPayload(
            invoice_id=invoice.id,
            order_id=order.id,
            client_id=order.client_id,
            credit_note_number=invoice.credit_note_number,
            cancelled_at=invoice.cancelled_at,
        ),
    )
    await ordering.announce(session, order, OrderCancelled)
    return await ordering.order_view(session, order)
