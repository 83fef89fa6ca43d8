"""Use cases driven by the orders service's events: list statistics, orders, deliveries, timeline.

Each event is applied once (inbox, claimed by the batch applier) under a lock on the clients it names. Facts are stored
per object (order, invoice, shipment line) and aggregates recomputed from them, so
duplicates and any arrival order converge.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base import repository as shared_repository
from services.clients.merging.service import forward_merged
from services.clients.read_model import repository
from services.clients.timeline import domain as timeline_text
from services.clients.timeline import service as timeline
from services.clients.timeline.domain import NewEntry
from shared.events.envelope import Event
from shared.events.orders import (
    InvoiceCancelled,
    InvoiceIssued,
    OrderCancelled,
    OrderConfirmed,
    OrderCreated,
    OrderInvoiced,
    PaymentReceived,
    ShipmentShipped,
)

# The effect of an event, given the ids (among those it names) of clients that exist in its account.
Effect = Callable[[AsyncSession, set[int]], Awaitable[None]]
# The clients an event names (to lock) and its effect.
Plan = tuple[list[int], Effect]


def _plan_order_event(event: OrderCreated | OrderConfirmed | OrderCancelled) -> Plan:
    """Keep the order at its latest version for history and statistics; note the step on the timeline."""
    p = event.payload
    occurred_at = p.created_at if isinstance(event, OrderCreated) else event.occurred_at

    async def effect(session: AsyncSession, known: set[int]) -> None:
        await repository.record_order(session, account_id=event.account_id, order=p)
        await shared_repository.refresh_placed_orders(session, account_id=event.account_id, client_ids=[p.client_id])
        text = timeline_text.order_text(event.type, order_number=p.order_number, total_cents=p.total_cents)
        await _note(
            session,
            event,
            known,
            [p.client_id],
            occurred_at=occurred_at,
            text=text,
            object_type="order",
            object_id=p.order_id,
            amount_cents=p.total_cents,
            order_id=p.order_id,
        )

    return [p.client_id], effect


def _plan_order_invoiced(event: OrderInvoiced) -> Plan:
    """Keep the order's invoiced state; the timeline line comes from invoice.issued, with its number."""
    p = event.payload

    async def effect(session: AsyncSession, known: set[int]) -> None:
        await repository.record_order(session, account_id=event.account_id, order=p)
        await shared_repository.refresh_placed_orders(session, account_id=event.account_id, client_ids=[p.client_id])

    return [p.client_id], effect


async def _invoices_issued(
    session: AsyncSession, account_id: uuid.UUID, events: Sequence[InvoiceIssued], known: set[int]
) -> None:
    """Record invoices of one account set-based: a handful of statements for a whole batch."""
    payloads = [e.payload for e in events]
    credit_notes = await repository.record_invoices_issued(session, account_id=account_id, invoices=payloads)
    await repository.record_invoice_lines(session, account_id=account_id, invoices=payloads)
    await shared_repository.refresh_client_statistics(
        session, account_id=account_id, client_ids=[p.client_id for p in payloads]
    )
    await timeline.add_entries(
        session,
        [
            NewEntry(
                account_id=account_id,
                client_id=p.client_id,
                occurred_at=p.issued_at,
                kind=e.type,
                text=timeline_text.invoice_issued_text(invoice_number=p.invoice_number, total_cents=p.total_cents),
                object_type="invoice",
                object_id=p.invoice_id,
                amount_cents=p.total_cents,
                source_event_id=e.event_id,
                link=order_link(p.order_id),
            )
            for e, p in zip(events, payloads, strict=True)
            if p.client_id in known
        ],
    )
    for p in payloads:
        credit_note_number = credit_notes.get(p.invoice_id)
        if credit_note_number is not None:
            # The credit note came first and could not name the invoice or its amount: now it can.
            await timeline.rewrite_entries(
                session,
                account_id=account_id,
                client_id=p.client_id,
                kind=InvoiceCancelled.TYPE,
                object_type="invoice",
                object_id=p.invoice_id,
                amount_cents=p.total_cents,
                text=timeline_text.invoice_cancelled_text(
                    credit_note_number=credit_note_number,
                    invoice_number=p.invoice_number,
                    total_cents=p.total_cents,
                ),
            )


def _plan_invoice_cancelled(event: InvoiceCancelled) -> Plan:
    """Take a cancelled invoice out of the statistics; no invoice left makes a prospect again."""
    p = event.payload

    async def effect(session: AsyncSession, known: set[int]) -> None:
        issued = await repository.record_invoice_cancelled(
            session,
            account_id=event.account_id,
            invoice_id=p.invoice_id,
            client_id=p.client_id,
            order_id=p.order_id,
            cancelled_at=p.cancelled_at,
            credit_note_number=p.credit_note_number,
        )
        await shared_repository.refresh_client_statistics(
            session, account_id=event.account_id, client_ids=[p.client_id]
        )
        number, total = issued if issued is not None else (None, None)
        text = timeline_text.invoice_cancelled_text(
            credit_note_number=p.credit_note_number, invoice_number=number, total_cents=total
        )
        await _note(
            session,
            event,
            known,
            [p.client_id],
            occurred_at=p.cancelled_at,
            text=text,
            object_type="invoice",
            object_id=p.invoice_id,
            amount_cents=total,
            order_id=p.order_id,
        )

    return [p.client_id], effect


def _plan_shipment_shipped(event: ShipmentShipped) -> Plan:
    """Count delivered goods for the ship-to client (top products, statistics); note it for both parties."""
    p = event.payload
    units = sum((line.quantity for line in p.lines), Decimal(0))
    litres = sum((line.quantity * line.container.millilitres / 1000 for line in p.lines), Decimal(0))

    async def effect(session: AsyncSession, known: set[int]) -> None:
        await repository.record_shipment_lines(
            session,
            account_id=event.account_id,
            shipment_id=p.shipment_id,
            order_id=p.order_id,
            client_id=p.client_id,
            ship_to_client_id=p.ship_to_client_id,
            shipped_at=p.shipped_at,
            lines=p.lines,
        )

        async def note(client_id: int, text: str, about_client_id: int | None = None) -> None:
            await _note(
                session,
                event,
                known,
                [client_id],
                occurred_at=p.shipped_at,
                text=text,
                object_type="shipment",
                object_id=p.shipment_id,
                amount_cents=None,
                order_id=p.order_id,
                about_client_id=about_client_id,
            )

        await note(
            p.ship_to_client_id, timeline_text.shipment_text(order_number=p.order_number, units=units, litres=litres)
        )
        if p.client_id != p.ship_to_client_id:
            # The billed client's line says where the goods went: the ship-to's id, its name read later.
            named = p.ship_to_client_id in known
            text = timeline_text.shipment_text(
                order_number=p.order_number, units=units, litres=litres, to_other_client=named
            )
            await note(p.client_id, text, about_client_id=p.ship_to_client_id if named else None)

    return [p.client_id, p.ship_to_client_id], effect


def _plan_payment_received(event: PaymentReceived) -> Plan:
    """Note a payment on the billed client's timeline."""
    p = event.payload

    async def effect(session: AsyncSession, known: set[int]) -> None:
        await _note(
            session,
            event,
            known,
            [p.client_id],
            occurred_at=p.paid_at,
            text=timeline_text.payment_text(order_number=p.order_number, amount_cents=p.amount_cents),
            object_type="payment",
            object_id=p.payment_id,
            amount_cents=p.amount_cents,
            order_id=p.order_id,
        )

    return [p.client_id], effect


# Invoices issued have no plan: apply_events records them for a whole batch at once.
PLANS: dict[str, Callable[[Any], Plan]] = {
    OrderCreated.TYPE: _plan_order_event,
    OrderConfirmed.TYPE: _plan_order_event,
    OrderCancelled.TYPE: _plan_order_event,
    OrderInvoiced.TYPE: _plan_order_invoiced,
    InvoiceCancelled.TYPE: _plan_invoice_cancelled,
    ShipmentShipped.TYPE: _plan_shipment_shipped,
    PaymentReceived.TYPE: _plan_payment_received,
}


async def apply_events(session: AsyncSession, events: Sequence[Event]) -> None:
    """Apply claimed events in the caller's transaction: invoices set-based (a whole batch in a few
    statements), the others one by one.

    Every client the batch names is locked first, in id order per account, so the batch
    never waits halfway for a lock another batch holds in the opposite order.
    """
    issued: dict[uuid.UUID, list[InvoiceIssued]] = {}
    plans: list[tuple[Event, Effect]] = []
    named: dict[uuid.UUID, set[int]] = {}
    for event in events:
        if isinstance(event, InvoiceIssued):
            issued.setdefault(event.account_id, []).append(event)
            client_ids = [event.payload.client_id]
        else:
            client_ids, effect = PLANS[event.type](event)
            plans.append((event, effect))
        named.setdefault(event.account_id, set()).update(client_ids)
    known = {
        account_id: await shared_repository.lock_clients(session, account_id=account_id, client_ids=ids)
        for account_id, ids in sorted(named.items(), key=lambda item: str(item[0]))
    }
    # Facts converge in any order, so applying the invoices first is one of the valid orders.
    for account_id, invoices in issued.items():
        await _invoices_issued(session, account_id, invoices, known[account_id])
    for event, effect in plans:
        await effect(session, known[event.account_id])
    for account_id, ids in known.items():
        await forward_merged(session, account_id=account_id, client_ids=ids)


async def _note(
    session: AsyncSession,
    event: Event,
    known: set[int],
    client_ids: Iterable[int],
    *,
    occurred_at: datetime,
    text: str,
    object_type: str,
    object_id: int,
    amount_cents: int | None,
    order_id: int,
    about_client_id: int | None = None,
) -> None:
    # Only clients of the event's account get an entry: a stranger's event adds nothing visible.
    await timeline.add_entries(
        session,
        [
            NewEntry(
                account_id=event.account_id,
                client_id=client_id,
                occurred_at=occurred_at,
                kind=event.type,
                text=text,
                object_type=object_type,
                object_id=object_id,
                amount_cents=amount_cents,
                source_event_id=event.event_id,
                link=order_link(order_id),
                about_client_id=about_client_id,
            )
            for client_id in client_ids
            if client_id in known
        ],
    )


def order_link(order_id: int) -> str:
    """Where an order (and its invoice, shipments and payments) lives in the API."""
    return f"/api/orders/{order_id}"
