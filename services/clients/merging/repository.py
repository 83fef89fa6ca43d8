"""Queries of a merge: count and move everything that hangs off the merged client."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, and_, delete, func, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.merging.domain import Reason
from services.clients.models import (
    Client,
    ClientInvoice,
    ClientMerge,
    ClientNote,
    ClientOrder,
    ClientShipmentLine,
    TimelineEntry,
)

# Read-model rows that name a client, and the columns that do.
CLIENT_REFERENCES: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (ClientOrder, ("client_id", "ship_to_client_id")),
    (ClientInvoice, ("client_id",)),
    (ClientShipmentLine, ("client_id", "ship_to_client_id")),
    (ClientNote, ("client_id",)),
)


async def count_references(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> dict[str, int]:
    """How many orders, invoices, shipments, notes and timeline entries of this service name the client."""

    def count(model: Any, where: Any) -> Any:
        return select(func.count()).select_from(model).where(model.account_id == account_id, where).scalar_subquery()

    shipments = (
        select(func.count(func.distinct(ClientShipmentLine.shipment_id)))
        .where(
            ClientShipmentLine.account_id == account_id,
            (ClientShipmentLine.client_id == client_id) | (ClientShipmentLine.ship_to_client_id == client_id),
        )
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(
                count(
                    ClientOrder, (ClientOrder.client_id == client_id) | (ClientOrder.ship_to_client_id == client_id)
                ).label("orders"),
                count(ClientInvoice, ClientInvoice.client_id == client_id).label("invoices"),
                shipments.label("shipments"),
                count(ClientNote, ClientNote.client_id == client_id).label("notes"),
                count(TimelineEntry, TimelineEntry.client_id == client_id).label("timeline_entries"),
            )
        )
    ).one()
    return dict(row._mapping)


async def move_references(session: AsyncSession, *, account_id: uuid.UUID, from_id: int, to_id: int) -> None:
    """Point every read-model row and timeline entry of one client to another."""
    for model, columns in CLIENT_REFERENCES:
        for column in columns:
            await session.execute(
                update(model)
                .where(model.account_id == account_id, getattr(model, column) == from_id)
                .values({column: to_id})
            )
    # One event may have written a line for each client (a shipment billed to one, shipped to the
    # other): the survivor keeps its own line and the merged client's duplicate goes.
    kept_entries = select(TimelineEntry.source_event_id).where(
        TimelineEntry.account_id == account_id,
        TimelineEntry.client_id == to_id,
        TimelineEntry.source_event_id.is_not(None),
    )
    await session.execute(
        delete(TimelineEntry).where(
            TimelineEntry.account_id == account_id,
            TimelineEntry.client_id == from_id,
            TimelineEntry.source_event_id.in_(kept_entries),
        )
    )
    await session.execute(
        update(TimelineEntry)
        .where(TimelineEntry.account_id == account_id, TimelineEntry.client_id == from_id)
        .values(client_id=to_id)
    )


async def redirect_merged(session: AsyncSession, *, account_id: uuid.UUID, from_id: int, to_id: int) -> None:
    """Clients merged earlier into the merged client now point to the survivor (no chains)."""
    await session.execute(
        update(Client)
        .where(Client.account_id == account_id, Client.merged_into_id == from_id)
        .values(merged_into_id=to_id)
    )


async def merged_targets(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> dict[int, int]:
    """Among these ids, the clients merged away and the client each now lives in."""
    rows = await session.execute(
        select(Client.id, Client.merged_into_id).where(
            Client.account_id == account_id, Client.id.in_(sorted(set(client_ids))), Client.merged_into_id.is_not(None)
        )
    )
    return {merged_id: kept_id for merged_id, kept_id in rows.all() if kept_id is not None}


async def absorbed_ids(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> set[int]:
    """The clients merged into this one (pointers are one hop: redirect_merged keeps no chains)."""
    rows = await session.execute(
        select(Client.id).where(Client.account_id == account_id, Client.merged_into_id == client_id)
    )
    return set(rows.scalars())


async def merges_of(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> list[ClientMerge]:
    """The merges in which any of these clients kept or was merged, locked for an update."""
    ids = sorted(set(client_ids))
    rows = await session.execute(
        select(ClientMerge)
        .where(
            ClientMerge.account_id == account_id,
            ClientMerge.kept_client_id.in_(ids) | ClientMerge.merged_client_id.in_(ids),
        )
        .with_for_update()
    )
    return list(rows.scalars())


async def find_merge(session: AsyncSession, *, account_id: uuid.UUID, merged_client_id: int) -> ClientMerge | None:
    """The merge that absorbed a client, if any."""
    return (
        await session.execute(
            select(ClientMerge).where(
                and_(ClientMerge.account_id == account_id, ClientMerge.merged_client_id == merged_client_id)
            )
        )
    ).scalar_one_or_none()


def _duplicate_query(account_id: uuid.UUID, reason: Reason, limit: int) -> Select[Any]:
    live = [Client.account_id == account_id, Client.deleted_at.is_(None)]
    if reason == "email":
        keyed = select(Client.id, func.lower(Client.email).label("key")).where(*live, Client.email.is_not(None))
    elif reason == "phone":
        keyed = (
            union_all(
                *(
                    select(Client.id, func.phone_digits(column).label("key")).where(*live, column.is_not(None))
                    for column in (Client.phone, Client.mobile)
                )
            )
            .subquery()
            .select()
        )
    else:
        keyed = select(
            Client.id, (Client.sort_last_first + literal(" ") + Client.billing_postal_code).label("key")
        ).where(*live, Client.billing_postal_code.is_not(None), Client.sort_last_first != "")
    rows = keyed.subquery()
    ids = func.array_agg(func.distinct(rows.c.id))
    return (
        select(rows.c.key, ids.label("ids"))
        .where(rows.c.key.is_not(None))
        .group_by(rows.c.key)
        .having(func.count(func.distinct(rows.c.id)) > 1)
        .order_by(rows.c.key)
        .limit(limit)
    )


async def duplicate_keys(
    session: AsyncSession, *, account_id: uuid.UUID, reason: Reason, limit: int
) -> list[tuple[str, list[int]]]:
    """Keys shared by several live clients (served by the ix_clients_duplicate_* indexes), with their ids."""
    rows = await session.execute(_duplicate_query(account_id, reason, limit))
    return [(key, sorted(ids)) for key, ids in rows.all()]


async def clients_by_id(
    session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]
) -> dict[int, Client]:
    """The account's clients with these ids."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Client).where(Client.account_id == account_id, Client.id.in_(ids)))
    return {c.id: c for c in rows.scalars()}
