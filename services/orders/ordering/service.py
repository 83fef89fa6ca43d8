"""Use cases of an order's life: create, read, confirm, cancel; and what invoicing and fulfilment build on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.catalogue import service as catalogue
from services.orders.client_life import service as clients
from services.orders.models import Order, OrderLine, outbox
from services.orders.ordering import repository as repo
from services.orders.ordering.bodies import (
    Fulfilment,
    order_body,
    order_payload,
    order_taxes,
    payment_body,
    shipments_body,
)
from services.orders.ordering.domain import can_move, document_number
from services.orders.ordering.schemas import OrderCreate
from services.orders.pricing import service as pricing
from services.orders.pricing.domain import ResolvedPrice, line_total_cents, order_includes_tax, resolve_price
from services.orders.pricing.taxes import line_excise_cents
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound
from shared.events.orders import OrderCancelled, OrderConfirmed, OrderCreated
from shared.outbox import add_event


async def create_order(session: AsyncSession, *, principal: Principal, data: OrderCreate) -> dict[str, Any]:
    """Create a draft order priced by the client's rules; a closed or merged client is refused."""
    account_id = principal.account_id
    ship_to = data.ship_to_client_id or data.client_id
    # Locked in id order, so two orders between the same two clients cannot deadlock.
    parties = {
        client_id: await clients.orderable_client(session, account_id=account_id, client_id=client_id, for_update=True)
        for client_id in sorted({data.client_id, ship_to})
    }
    client = parties[data.client_id]
    clients.refuse_if_closed(client, billed=True)
    if ship_to != data.client_id:
        clients.refuse_if_closed(parties[ship_to], billed=False)
    variant_ids = [line.variant_id for line in data.lines]
    details = {
        d.id: d for d in await catalogue.variant_details(session, account_id=account_id, variant_ids=variant_ids)
    }
    prices = await pricing.price_candidates(
        session,
        account_id=account_id,
        client_id=client.client_id,
        client_grid_id=client.price_grid_id,
        variant_ids=variant_ids,
    )
    bases = await pricing.grids_include_tax(session, account_id=account_id, client_grid_id=client.price_grid_id)
    includes_tax = order_includes_tax(**bases)
    lines: list[OrderLine] = []
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
        if price.rule == "default_grid" and bases["default_grid"] != includes_tax:
            # One order, one basis: a default-grid price in the other basis would be taxed wrongly.
            raise InvalidField(
                f"lines.{index}.unit_price_cents",
                "the client's grid has no price for this variant and the default grid's prices are "
                f"{'without' if includes_tax else 'with'} tax: give a unit price",
            )
        lines.append(_priced_line(line.variant_id, line.quantity, price, details[line.variant_id]))
    order = Order(
        account_id=account_id,
        number=await next_document_number(session, account_id=account_id, kind="order"),
        client_id=client.client_id,
        ship_to_client_id=ship_to,
        state="draft",
        version=1,
        prices_include_tax=includes_tax,
        total_cents=order_taxes(includes_tax, lines).total_cents,
        banner=client.note if client.show_note_on_orders else None,
    )
    session.add(order)
    await session.flush()
    for new_line in lines:
        new_line.order_id = order.id
    session.add_all(lines)
    await session.flush()
    await session.refresh(order)
    await add_event(session, outbox, OrderCreated, account_id=account_id, payload=order_payload(order, lines, details))
    return order_body(order, lines=lines, details=details, invoice=None, fulfilment=Fulfilment())


def _priced_line(variant_id: int, quantity: Decimal, price: ResolvedPrice, detail: Any) -> OrderLine:
    """A new line, with the product's VAT rate and the line's excise as they are now (the line keeps them)."""
    return OrderLine(
        variant_id=variant_id,
        quantity=quantity,
        unit_price_cents=price.unit_price_cents,
        price_rule=price.rule,
        line_total_cents=line_total_cents(quantity, price.unit_price_cents),
        vat_rate=detail.vat_rate,
        excise_cents=line_excise_cents(quantity, detail.millilitres, detail.excise_cents_per_litre),
    )


async def get_order(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """An order with its lines, invoice and payments."""
    order = await load_order(session, principal=principal, order_id=order_id)
    return await order_view(session, order)


async def confirm_order(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """Confirm a draft order."""
    order = await move_order(session, principal=principal, order_id=order_id, target="confirmed")
    order.confirmed_at = datetime.now(UTC)
    await announce(session, order, OrderConfirmed)
    return await order_view(session, order)


async def cancel_order(session: AsyncSession, *, principal: Principal, order_id: int) -> dict[str, Any]:
    """Cancel an order that was not invoiced (an invoiced one needs a credit note)."""
    order = await load_order(session, principal=principal, order_id=order_id, for_update=True)
    if order.state == "invoiced":
        raise Conflict(f"Order {order.number} is invoiced: cancel its invoice with a credit note.")
    order = await move_order(session, principal=principal, order_id=order_id, target="cancelled")
    order.cancelled_at = datetime.now(UTC)
    await announce(session, order, OrderCancelled)
    return await order_view(session, order)


async def load_order(session: AsyncSession, *, principal: Principal, order_id: int, for_update: bool = False) -> Order:
    """An order of the caller's account, or 404."""
    order = await repo.get_order(session, account_id=principal.account_id, order_id=order_id, for_update=for_update)
    if order is None:
        raise NotFound(f"Order {order_id} does not exist.")
    return order


async def move_order(session: AsyncSession, *, principal: Principal, order_id: int, target: str) -> Order:
    """Lock an order and move it to ``target``, or 409 if its state does not allow it."""
    order = await load_order(session, principal=principal, order_id=order_id, for_update=True)
    if not can_move(order.state, target):
        raise Conflict(
            f"Order {order.number} is {order.state}: it cannot become {target}.", extra={"state": order.state}
        )
    order.state = target
    order.version += 1
    return order


async def line_details(session: AsyncSession, order: Order, lines: list[OrderLine]) -> dict[int, Any]:
    """The variant, product and container of each line, by variant id."""
    rows = await catalogue.variant_details(
        session, account_id=order.account_id, variant_ids=[line.variant_id for line in lines]
    )
    return {row.id: row for row in rows}


async def announce(session: AsyncSession, order: Order, event_class: type) -> None:
    """Publish the order as it now is, under the given event."""
    await session.flush()
    lines = await repo.order_lines(session, order_id=order.id)
    await add_event(
        session,
        outbox,
        event_class,
        account_id=order.account_id,
        payload=order_payload(order, lines, await line_details(session, order, lines)),
    )


async def list_shipments(session: AsyncSession, *, principal: Principal, order_id: int) -> list[dict[str, Any]]:
    """An order's shipments, oldest first: date, ship-to client and lines."""
    order = await load_order(session, principal=principal, order_id=order_id)
    lines = await repo.order_lines(session, order_id=order.id)
    return shipments_body(
        await _fulfilment(session, order), lines=lines, details=await line_details(session, order, lines)
    )


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


async def order_view(session: AsyncSession, order: Order) -> dict[str, Any]:
    """Everything about an order for the API: lines, invoice, shipments and payments."""
    lines = await repo.order_lines(session, order_id=order.id)
    return order_body(
        order,
        lines=lines,
        details=await line_details(session, order, lines),
        invoice=await repo.get_invoice(session, order_id=order.id),
        fulfilment=await _fulfilment(session, order),
    )


async def next_document_number(session: AsyncSession, *, account_id: uuid.UUID, kind: str) -> str:
    """The next number of an order, invoice or credit note; gapless, as its row stays locked until commit."""
    return document_number(kind, await repo.next_number(session, account_id=account_id, kind=kind))


async def order_lines(session: AsyncSession, *, order_id: int) -> list[OrderLine]:
    """An order's lines in order."""
    return await repo.order_lines(session, order_id=order_id)
