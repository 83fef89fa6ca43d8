"""Use cases of invoicing: invoice an order with the next gapless number, cancel an invoice by a credit note.

Each is issued as a Factur-X PDF, rendered once in the transaction that numbers it and stored before the
commit: a crash between the two leaves a file no row names (replaced by the next document given the same
number, see services/orders/files.py), never an invoice without its file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.documents.facturx import render_facturx
from services.orders.documents.model import Document
from services.orders.files import document_key, store_document
from services.orders.invoicing import repository as repo
from services.orders.invoicing.documents import InvoiceSources, credit_note_document, invoice_document
from services.orders.models import Invoice, Order, SellerProfile, outbox
from services.orders.ordering import service as ordering
from services.orders.ordering.bodies import line_payload, order_taxes, vat_breakdown
from services.orders.seller import service as seller
from services.orders.seller.domain import missing_mentions
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
from shared.storage import Storage


async def _issuing_seller(
    session: AsyncSession, *, order: Order, files: Storage, document: str
) -> tuple[SellerProfile, bytes | None]:
    """The seller profile and logo to print; 409 naming what a legal document lacks, before any number is taken."""
    profile, logo = await seller.issuing_profile(session, account_id=order.account_id, files=files)
    missing = missing_mentions(profile)
    if profile is None or missing:
        raise Conflict(
            f"The seller profile lacks what every {document} must print: {', '.join(missing)}. "
            "Complete it (PUT /api/orders/seller) first.",
            extra={
                "reason": "seller_profile_incomplete",
                "errors": [
                    {"field": f"seller.{name}", "message": f"is required on every {document}"} for name in missing
                ],
            },
        )
    return profile, logo


async def _store(files: Storage, *, document: Document, key: str) -> str:
    """Render the document's Factur-X PDF once and store it; its SHA-256."""
    return await store_document(files, key=key, pdf=render_facturx(document))


async def invoice_order(
    session: AsyncSession, *, principal: Principal, order_id: int, files: Storage
) -> dict[str, Any]:
    """Invoice an order: the next invoice number of the account, with no gap (French rule), and its PDF stored."""
    order = await ordering.move_order(session, principal=principal, order_id=order_id, target="invoiced")
    profile, logo = await _issuing_seller(session, order=order, files=files, document="invoice")
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
    await session.flush()  # the number is unique before anything is stored under it
    details = await ordering.line_details(session, order, lines)
    document = invoice_document(
        InvoiceSources(
            order=order,
            invoice=invoice,
            lines=lines,
            details=details,
            profile=profile,
            logo=logo,
            client=await repo.client(session, account_id=order.account_id, client_id=order.client_id),
        )
    )
    invoice.document_key = document_key(account_id=order.account_id, kind="invoice", number=invoice.number)
    invoice.document_sha256 = await _store(files, document=document, key=invoice.document_key)
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


async def credit_invoice(
    session: AsyncSession, *, principal: Principal, order_id: int, files: Storage
) -> dict[str, Any]:
    """Cancel an order's invoice by a credit note, its PDF stored; the order is cancelled with it."""
    order = await ordering.load_order(session, principal=principal, order_id=order_id, for_update=True)
    invoice = await repo.invoice_to_credit(session, order_id=order.id)
    if invoice is None or invoice.cancelled_at is not None:
        raise Conflict(f"Order {order.number} has no invoice to cancel.")
    profile, logo = await _issuing_seller(session, order=order, files=files, document="credit note")
    invoice.credit_note_number = await ordering.next_document_number(
        session, account_id=order.account_id, kind="credit_note"
    )
    invoice.cancelled_at = datetime.now(UTC)
    order = await ordering.move_order(session, principal=principal, order_id=order_id, target="cancelled")
    order.cancelled_at = invoice.cancelled_at
    await session.flush()
    lines = await ordering.order_lines(session, order_id=order.id)
    document = credit_note_document(
        InvoiceSources(
            order=order,
            invoice=invoice,
            lines=lines,
            details=await ordering.line_details(session, order, lines),
            profile=profile,
            logo=logo,
            client=await repo.client(session, account_id=order.account_id, client_id=order.client_id),
        )
    )
    invoice.credit_note_document_key = document_key(
        account_id=order.account_id, kind="credit_note", number=invoice.credit_note_number
    )
    invoice.credit_note_document_sha256 = await _store(files, document=document, key=invoice.credit_note_document_key)
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
