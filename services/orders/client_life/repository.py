"""Queries of the clients as orders know them: the picker, and a merge or erasure followed through every table."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import BigInteger, delete, literal, select, update
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.orders.models import (
    ClientReplica,
    NegotiatedPrice,
    Order,
    Reservation,
    Shipment,
    SupersededPrice,
)

# Every column that names a client, outside the replica and the negotiated prices. Invoices,
# credit notes and payments hang off their order, so moving the order moves them.
CLIENT_REFERENCES: tuple[tuple[str, type[Any], str], ...] = (
    ("orders", Order, "client_id"),
    ("ship_to_orders", Order, "ship_to_client_id"),
    ("shipments", Shipment, "ship_to_client_id"),
    ("reservations", Reservation, "client_id"),
)


async def move_references(
    session: AsyncSession, *, account_id: uuid.UUID, from_client: int, to_client: int
) -> dict[str, int]:
    """Re-point orders (billed and ship-to), shipments and reservations; how many rows each moved."""
    moved = {}
    for name, model, column in CLIENT_REFERENCES:
        result = await session.execute(
            update(model)
            .where(model.account_id == account_id, getattr(model, column) == from_client)
            .values({column: to_client})
            .execution_options(synchronize_session=False)
        )
        moved[name] = cast(CursorResult[Any], result).rowcount
    return moved


async def move_negotiated_prices(
    session: AsyncSession, *, account_id: uuid.UUID, merge_id: int, from_client: int, to_client: int
) -> tuple[int, list[tuple[int, int, int]]]:
    """Give the merged client's prices to the kept one; where both had one, set the merged one aside.

    Returns how many prices moved and the (variant, set-aside price, kept price) of each clash.
    """
    merged, kept = aliased(NegotiatedPrice), aliased(NegotiatedPrice)
    clashes = (
        select(
            literal(merge_id, BigInteger),
            merged.variant_id,
            literal(account_id, UUID(as_uuid=True)),
            literal(to_client, BigInteger),
            literal(from_client, BigInteger),
            merged.price_cents,
            kept.price_cents,
        )
        .join(
            kept,
            (kept.variant_id == merged.variant_id) & (kept.client_id == to_client) & (kept.account_id == account_id),
        )
        .where(merged.account_id == account_id, merged.client_id == from_client)
    )
    set_aside = await session.execute(
        insert(SupersededPrice)
        .from_select(
            [
                "merge_id",
                "variant_id",
                "account_id",
                "client_id",
                "merged_client_id",
                "price_cents",
                "kept_price_cents",
            ],
            clashes,
        )
        .on_conflict_do_nothing()
        .returning(SupersededPrice.variant_id, SupersededPrice.price_cents, SupersededPrice.kept_price_cents)
    )
    rows = [(variant_id, price, kept_price) for variant_id, price, kept_price in set_aside.all()]
    kept_variants = (
        select(NegotiatedPrice.variant_id)
        .where(NegotiatedPrice.account_id == account_id, NegotiatedPrice.client_id == to_client)
        .scalar_subquery()
    )
    await session.execute(
        delete(NegotiatedPrice)
        .where(
            NegotiatedPrice.account_id == account_id,
            NegotiatedPrice.client_id == from_client,
            NegotiatedPrice.variant_id.in_(kept_variants),
        )
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(NegotiatedPrice)
        .where(
            NegotiatedPrice.account_id == account_id,
            NegotiatedPrice.client_id == from_client,
        )
        .values(client_id=to_client)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount, rows


async def clear_banners(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> int:
    """Remove the copy of the client's note printed on its orders; how many orders had one."""
    result = await session.execute(
        update(Order)
        .where(
            Order.account_id == account_id,
            Order.client_id == client_id,
            Order.banner.is_not(None),
        )
        .values(banner=None)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount


async def client_choices(session: AsyncSession, *, account_id: uuid.UUID, prefix: str, limit: int) -> list[Any]:
    """Clients that may be given an order, whose folded name contains the text."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await session.execute(
        select(ClientReplica.client_id, ClientReplica.display_name)
        .where(
            ClientReplica.account_id == account_id,
            ClientReplica.blocked.is_(False),
            ClientReplica.deleted.is_(False),
            ClientReplica.archived.is_(False),
            ClientReplica.erased.is_(False),
            ClientReplica.merged_into.is_(None),
            ClientReplica.search_name.like(f"%{escaped}%", escape="\\"),
        )
        .order_by(ClientReplica.search_name, ClientReplica.client_id)
        .limit(limit)
    )
    return list(rows.all())
