"""Queries that record a client's orders and deliveries as the orders service's events tell them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import ClientOrder, ClientShipmentLine
from shared.events.orders import OrderPayload, ShipmentLinePayload


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
