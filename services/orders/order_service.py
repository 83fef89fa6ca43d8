"""Use cases of an order's life (F13, F18, F19): create, confirm, invoice, cancel, credit note."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders import catalogue_repository as catalogue
from services.orders import order_repository as repo
from services.orders.domain import can_move, document_number, line_total_cents, resolve_price
from services.orders.models import Invoice, Order, OrderLine, outbox
from services.orders.replica import known_client, refuse_if_closed
from services.orders.schemas import OrderCreate
from services.orders.views import (
    Fulfilment,
    line_payload,
    order_body,
    order_payload,
    payment_body,
    shipments_body,
)
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound
from shared.events.orders import (
    InvoiceCancelled,
    InvoiceCancelledPayload,
    InvoiceIssued,
    InvoiceIssuedPayload,
    OrderCancelled,
    OrderConfirmed,
    OrderCreated,
    OrderInvoiced,
)
from shared.outbox import add_event


async def create_order(session: AsyncSession, *, principal: Principal, data: OrderCreate) -> dict[str, Any]:
    """Create a draft order priced by the client's rules; a closed or merged client is refused (F19)."""
    account_id = principal.account_id
    ship_to = data.ship_to_client_id or data.client_id
    # Locked in id order, so two orders between the same two clients cannot deadlock.
    parties = {
        client_id: await known_client(session, account_id=account_id, client_id=client_id, for_update=True)
        for client_id in sorted({data.client_id, ship_to})
    }
    client = parties[data.client_id]
    refuse_if_closed(client, billed=True)
    if ship_to != data.client_id:
        refuse_if_closed(parties[ship_to], billed=False)
    variant_ids = [line.variant_id for line in data.lines]
    details = {
        d.id: d for d in await catalogue.variants_with_details(session, account_id=account_id, variant_ids=variant_ids)
    }
    prices = await catalogue.price_candidates(
        session,
        account_id=account_id,
        client_id=client.client_id,
        client_grid_id=client.price_grid_id,
        variant_ids=variant_ids,
    )
    lines = []
    for index, line in enumerate(data.lines):
        if line.variant_id not in details:
            raise NotFound(
                f"Variant {line.variant_id} does not exist.",
                extra={"errors": [{"field": f"lines.{index}.variant_id", "message": "unknown variant"}]},
            )
        price = resolve_price(manual=line.unit_price_cents, **prices[line.variant_id])
        if price is None:
            raise InvalidField(
                f"lines.{index}.unit_price_cents", "no negotiated or grid price for this variant: give a unit price"
            )
        lines.append(
            OrderLine(
                variant_id=line.variant_id,
                quantity=line.quantity,
                unit_price_cents=price.unit_price_cents,
                price_rule=price.rule,
                line_total_cents=line_total_cents(line.quantity, price.unit_price_cents),
            )
        )
    number = await repo.next_number(session, account_id=account_id, kind="order")
    order = Order(
        account_id=account_id,
        number=document_number("order", number),
        client_id=client.client_id,
        ship_to_client_id=ship_to,
        state="draft",
        version=1,
        total_cents=sum(line.line_total_cents for line in lines),
        banner=client.note if client.show_note_on_orders else None,
    )
    session.add(order)
    await session.flush()
    for line in lines:
        line.order_id = order.id
    session.add_all(lines)
    await session.flush()
    await session.refresh(order)
    await add_event(session, outbox, OrderCreated, account_id=account_id, payload=order_payload(order, lines, details))
    return order_body(order, lines=lines, details=details, invoice=None, fulfilment=Fulfilment())


async def get_order(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """An order with its lines, invoice and payments."""
    order = await load_order(session, principal=principal, order_id=order_id)
    return await _body(session, order)


async def confirm_order(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """Confirm a draft order."""
    order = await _move(session, principal=principal, order_id=order_id, target="confirmed")
    order.confirmed_at = datetime.now(UTC)
    await _announce(session, order, OrderConfirmed)
    return await _body(session, order)


async def cancel_order(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """Cancel an order that was not invoiced (an invoiced one needs a credit note)."""
    order = await load_order(session, principal=principal, order_id=order_id, for_update=True)
    if order.state == "invoiced":
        raise Conflict(f"Order {order.number} is invoiced: cancel its invoice with a credit note.")
    order = await _move(session, principal=principal, order_id=order_id, target="cancelled")
    order.cancelled_at = datetime.now(UTC)
    await _announce(session, order, OrderCancelled)
    return await _body(session, order)


async def invoice_order(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """Invoice an order: the next invoice number of the account, with no gap (French rule)."""
    order = await _move(session, principal=principal, order_id=order_id, target="invoiced")
    number = await repo.next_number(session, account_id=order.account_id, kind="invoice")
    invoice = Invoice(
        account_id=order.account_id,
        order_id=order.id,
        number=document_number("invoice", number),
        issued_at=datetime.now(UTC),
        total_cents=order.total_cents,
    )
    session.add(invoice)
    await session.flush()
    lines = await repo.order_lines(session, order_id=order.id)
    details = await _details(session, order, lines)
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
        ),
    )
    # The order's own state changed too: consumers keep one notion of it, from the order's events.
    await _announce(session, order, OrderInvoiced)
    return await _body(session, order)


async def credit_invoice(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """Cancel an order's invoice by a credit note; the order is cancelled with it."""
    order = await load_order(session, principal=principal, order_id=order_id, for_update=True)
    invoice = await repo.get_invoice(session, order_id=order.id)
    if invoice is None or invoice.cancelled_at is not None:
        raise Conflict(f"Order {order.number} has no invoice to cancel.")
    number = await repo.next_number(session, account_id=order.account_id, kind="credit_note")
    invoice.credit_note_number = document_number("credit_note", number)
    invoice.cancelled_at = datetime.now(UTC)
    order = await _move(session, principal=principal, order_id=order_id, target="cancelled")
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
    await _announce(session, order, OrderCancelled)
    return await _body(session, order)


async def load_order(session: AsyncSession, *, principal: Principal, order_id: int, for_update: bool = False) -> Order:
    """An order of the caller's account, or 404."""
    order = await repo.get_order(session, account_id=principal.account_id, order_id=order_id, for_update=for_update)
    if order is None:
        raise NotFound(f"Order {order_id} does not exist.")
    return order


async def _move(session: AsyncSession, *, principal: Principal, order_id: int, target: str) -> Order:
    order = await load_order(session, principal=principal, order_id=order_id, for_update=True)
    if not can_move(order.state, target):
        raise Conflict(
            f"Order {order.number} is {order.state}: it cannot become {target}.", extra={"state": order.state}
        )
    order.state = target
    order.version += 1
    return order


async def _details(session: AsyncSession, order: Order, lines: list[OrderLine]) -> dict[int, Any]:
    rows = await catalogue.variants_with_details(
        session, account_id=order.account_id, variant_ids=[line.variant_id for line in lines]
    )
    return {row.id: row for row in rows}


async def _announce(session: AsyncSession, order: Order, event_class: type) -> None:
    await session.flush()
    lines = await repo.order_lines(session, order_id=order.id)
    await add_event(
        session,
        outbox,
        event_class,
        account_id=order.account_id,
        payload=order_payload(order, lines, await _details(session, order, lines)),
    )


async def list_shipments(session: AsyncSession, *, principal: Principal, order_id: int) -> list[dict[str, Any]]:
    """An order's shipments, oldest first: date, ship-to client and lines."""
    order = await load_order(session, principal=principal, order_id=order_id)
    lines = await repo.order_lines(session, order_id=order.id)
    return shipments_body(await _fulfilment(session, order), lines=lines, details=await _details(session, order, lines))


async def list_payments(session: AsyncSession, *, principal: Principal, order_id: int) -> list[dict[str, Any]]:
    """An order's payments, oldest first: date, amount and method."""
    order = await load_order(session, principal=principal, order_id=order_id)
    return [payment_body(p) for p in await repo.order_payments(session, order_id=order.id)]


async def _fulfilment(session: AsyncSession, order: Order) -> Fulfilment:
    shipped = await repo.order_shipments(session, order_id=order.id)
    return Fulfilment(
        shipments=list({shipment.id: shipment for shipment, _ in shipped}.values()),
        shipment_lines=[line for _, line in shipped],
        payments=await repo.order_payments(session, order_id=order.id),
    )


async def _body(session: AsyncSession, order: Order) -> dict[str, Any]:
    lines = await repo.order_lines(session, order_id=order.id)
    return order_body(
        order,
        lines=lines,
        details=await _details(session, order, lines),
        invoice=await repo.get_invoice(session, order_id=order.id),
        fulfilment=await _fulfilment(session, order),
    )
