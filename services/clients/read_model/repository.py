"""Queries of the read model fed by the orders service's events: orders, invoices and deliveries per client."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import ClientInvoice, ClientInvoiceLine, ClientOrder, ClientShipmentLine, PriceGridName
from shared.events.orders import InvoiceIssuedPayload, OrderPayload, PriceGridPayload, ShipmentLinePayload


async def record_invoices_issued(
    session: AsyncSession, *, account_id: uuid.UUID, invoices: Sequence[InvoiceIssuedPayload]
) -> dict[int, str | None]:
    """Upsert the issued facts of invoices, keeping cancellations that arrived first.

    Returns, per invoice, the number of a credit note that already cancelled it (else None).
    """
    latest = {p.invoice_id: p for p in invoices}  # one row per invoice: an upsert may not touch a row twice
    table = cast(Table, ClientInvoice.__table__)
    statement = insert(table)
    updated = ("client_id", "order_id", "order_number", "invoice_number", "issued_at", "total_cents", "currency")
    # Core executemany: one cached statement whatever the batch size (see shared.inbox.claim_events).
    rows = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.account_id, table.c.invoice_id], set_={k: statement.excluded[k] for k in updated}
        ).returning(table.c.invoice_id, table.c.credit_note_number),
        [
            {
                "account_id": account_id,
                "invoice_id": p.invoice_id,
                "client_id": p.client_id,
                "order_id": p.order_id,
                "order_number": p.order_number,
                "invoice_number": p.invoice_number,
                "issued_at": p.issued_at,
                "total_cents": p.total_cents,
                "currency": p.currency,
            }
            for p in latest.values()
        ],
    )
    return dict(rows.all())


async def record_invoice_lines(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    invoices: Sequence[InvoiceIssuedPayload],
) -> None:
    """Store invoices' lines once (an issued invoice never changes; a credit note cancels it)."""
    values = [
        {
            "account_id": account_id,
            "invoice_id": p.invoice_id,
            "order_line_id": line.order_line_id,
            "variant_id": line.variant_id,
            "product_id": line.product_id,
            "container_id": line.container.container_id,
            "quantity": line.quantity,
            "line_total_cents": line.line_total_cents,
        }
        for p in invoices
        for line in p.lines
    ]
    if values:
        await session.execute(insert(cast(Table, ClientInvoiceLine.__table__)).on_conflict_do_nothing(), values)


async def record_invoice_cancelled(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    invoice_id: int,
    client_id: int,
    order_id: int,
    cancelled_at: datetime,
    credit_note_number: str,
) -> tuple[str | None, int | None] | None:
    """Upsert the cancellation of an invoice, even before its issue was seen.

    Returns the invoice's (invoice_number, total_cents), both None while its issue is unknown.
    """
    statement = insert(ClientInvoice).values(
        account_id=account_id,
        invoice_id=invoice_id,
        client_id=client_id,
        order_id=order_id,
        cancelled_at=cancelled_at,
        credit_note_number=credit_note_number,
    )
    return (
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[ClientInvoice.account_id, ClientInvoice.invoice_id],
                set_={
                    "cancelled_at": statement.excluded.cancelled_at,
                    "credit_note_number": statement.excluded.credit_note_number,
                },
            ).returning(ClientInvoice.invoice_number, ClientInvoice.total_cents)
        )
    ).first()


async def record_order(session: AsyncSession, *, account_id: uuid.UUID, order: OrderPayload) -> None:
    """Upsert an order at its version: an older or equal version than the stored one changes nothing."""
    values = {
        "account_id": account_id,
        "order_id": order.order_id,
        "client_id": order.client_id,
        "ship_to_client_id": order.ship_to_client_id,
        "order_number": order.order_number,
        "state": order.state,
        "version": order.version,
        "total_cents": order.total_cents,
        "currency": order.currency,
        "created_at": order.created_at,
        "container_ids": sorted({line.container.container_id for line in order.lines}),
    }
    statement = insert(ClientOrder).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ClientOrder.account_id, ClientOrder.order_id],
            set_={k: statement.excluded[k] for k in values if k not in {"account_id", "order_id"}},
            where=ClientOrder.version < statement.excluded.version,
        )
    )


async def record_price_grid(session: AsyncSession, *, account_id: uuid.UUID, grid: PriceGridPayload) -> None:
    """Upsert a grid's name at its version: an older or equal version than the stored one changes nothing."""
    values = {"account_id": account_id, "grid_id": grid.grid_id, "name": grid.name, "version": grid.version}
    statement = insert(PriceGridName).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[PriceGridName.account_id, PriceGridName.grid_id],
            set_={"name": statement.excluded.name, "version": statement.excluded.version},
            where=PriceGridName.version < statement.excluded.version,
        )
    )


async def record_shipment_lines(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    shipment_id: int,
    order_id: int,
    client_id: int,
    ship_to_client_id: int,
    shipped_at: datetime,
    lines: Sequence[ShipmentLinePayload],
) -> None:
    """Store a shipment's lines once each (a shipped shipment never changes)."""
    if not lines:
        return
    await session.execute(
        insert(ClientShipmentLine)
        .values(
            [
                {
                    "account_id": account_id,
                    "shipment_id": shipment_id,
                    "order_line_id": line.order_line_id,
                    "order_id": order_id,
                    "client_id": client_id,
                    "ship_to_client_id": ship_to_client_id,
                    "variant_id": line.variant_id,
                    "product_id": line.product_id,
                    "product_name": line.product_name,
                    "vintage": line.vintage,
                    "container_id": line.container.container_id,
                    "container_name": line.container.name,
                    "container_short_name": line.container.short_name,
                    "millilitres": line.container.millilitres,
                    "quantity": line.quantity,
                    "litres": line.quantity * line.container.millilitres / 1000,
                    "shipped_at": shipped_at,
                }
                for line in lines
            ]
        )
        .on_conflict_do_nothing()
    )
