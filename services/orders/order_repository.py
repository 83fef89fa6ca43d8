"""Queries of orders, invoices, shipments, payments, reservations, numbers and the client replica."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.models import (
    ClientReplica,
    Invoice,
    NumberSequence,
    Order,
    OrderLine,
    Payment,
    Reservation,
    Shipment,
    ShipmentLine,
)


async def next_number(session: AsyncSession, *, account_id: uuid.UUID, kind: str) -> int:
    """The next number of a kind; the row stays locked until commit, so numbers have no gaps."""
    statement = insert(NumberSequence).values(account_id=account_id, kind=kind, last_value=1)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "kind"], set_={"last_value": NumberSequence.last_value + 1}
    ).returning(NumberSequence.last_value)
    return int((await session.execute(statement)).scalar_one())


async def get_replica(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, for_update: bool = False
) -> ClientReplica | None:
    """The orders service's copy of a client of the account, optionally locked."""
    query = select(ClientReplica).where(ClientReplica.client_id == client_id, ClientReplica.account_id == account_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


SNAPSHOT_FIELDS = (
    "display_name",
    "search_name",
    "note",
    "show_note_on_orders",
    "price_grid_id",
    "billing_address",
    "shipping_address",
)
# The version column that orders the events setting each flag.
FLAG_VERSIONS = {"blocked": "flags_version", "deleted": "flags_version", "archived": "archived_version"}
# A replica row for a client whose snapshot has not arrived yet (version 0): a flag, a merge or an
# erasure that overtakes the creation is kept rather than lost.
PLACEHOLDER_REPLICA: dict[str, Any] = {
    "version": 0,
    "flags_version": 0,
    "archived_version": 0,
    "display_name": "",
    "search_name": "",
    "blocked": False,
    "deleted": False,
    "archived": False,
    "erased": False,
}


async def apply_client_snapshot(session: AsyncSession, *, values: dict[str, Any]) -> None:
    """Store a client snapshot; older snapshots and older flag states lose (any arrival order).

    An erased client keeps its pseudonym: a snapshot taken before the erasure but delivered
    after it must not bring the personal data back.
    """
    statement = insert(ClientReplica).values(
        **values, flags_version=values["version"], archived_version=values["version"], deleted=False, erased=False
    )
    new = statement.excluded
    newer_snapshot = (ClientReplica.version < new.version) & ClientReplica.erased.is_(False)
    set_: dict[str, Any] = {f: case((newer_snapshot, new[f]), else_=getattr(ClientReplica, f)) for f in SNAPSHOT_FIELDS}
    set_.update(
        version=func.greatest(ClientReplica.version, new.version),
        blocked=case((ClientReplica.flags_version < new.version, new.blocked), else_=ClientReplica.blocked),
        flags_version=func.greatest(ClientReplica.flags_version, new.version),
        archived=case((ClientReplica.archived_version < new.version, new.archived), else_=ClientReplica.archived),
        archived_version=func.greatest(ClientReplica.archived_version, new.version),
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["client_id"], set_=set_, where=ClientReplica.account_id == new.account_id
        )
    )


async def apply_client_flag(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, version: int, flag: str, value: bool
) -> None:
    """Set blocked, deleted or archived from an event newer than the last one that set it."""
    version_name = FLAG_VERSIONS[flag]
    statement = insert(ClientReplica).values(
        client_id=client_id, account_id=account_id, **{**PLACEHOLDER_REPLICA, flag: value, version_name: version}
    )
    version_column = getattr(ClientReplica, version_name)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["client_id"],
            set_={
                flag: case((version_column < version, value), else_=getattr(ClientReplica, flag)),
                version_name: func.greatest(version_column, version),
            },
            where=ClientReplica.account_id == account_id,
        )
    )


async def client_choices(session: AsyncSession, *, account_id: uuid.UUID, prefix: str, limit: int) -> list[Row[Any]]:
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


async def get_order(
    session: AsyncSession, *, account_id: uuid.UUID, order_id: int, for_update: bool = False
) -> Order | None:
    """One order of the account, optionally locked."""
    query = select(Order).where(Order.account_id == account_id, Order.id == order_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def order_lines(session: AsyncSession, *, order_id: int) -> list[OrderLine]:
    """An order's lines in order."""
    rows = await session.execute(select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id))
    return list(rows.scalars())


async def shipped_quantities(session: AsyncSession, *, order_id: int) -> dict[int, Decimal]:
    """Quantity already shipped per order line."""
    rows = await session.execute(
        select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity))
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(OrderLine.order_id == order_id)
        .group_by(ShipmentLine.order_line_id)
    )
    return dict(rows.all())


async def order_shipments(session: AsyncSession, *, order_id: int) -> list[tuple[Shipment, ShipmentLine]]:
    """An order's shipments with their lines, one row per line, oldest shipment first."""
    rows = await session.execute(
        select(Shipment, ShipmentLine)
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(Shipment.order_id == order_id)
        .order_by(Shipment.shipped_at, Shipment.id, ShipmentLine.order_line_id)
    )
    return [(shipment, line) for shipment, line in rows.all()]


async def order_payments(session: AsyncSession, *, order_id: int) -> list[Payment]:
    """An order's payments, oldest first."""
    rows = await session.execute(
        select(Payment).where(Payment.order_id == order_id).order_by(Payment.paid_at, Payment.id)
    )
    return list(rows.scalars())


async def get_invoice(session: AsyncSession, *, order_id: int) -> Invoice | None:
    """The invoice of an order, if any."""
    return (await session.execute(select(Invoice).where(Invoice.order_id == order_id))).scalar_one_or_none()


async def get_reservation(session: AsyncSession, *, account_id: uuid.UUID, reservation_id: int) -> Reservation | None:
    """One reservation, locked for an update."""
    return (
        await session.execute(
            select(Reservation)
            .where(Reservation.account_id == account_id, Reservation.id == reservation_id)
            .with_for_update()
        )
    ).scalar_one_or_none()


async def client_reservations(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> list[Reservation]:
    """A client's reservations, newest first."""
    rows = await session.execute(
        select(Reservation)
        .where(Reservation.account_id == account_id, Reservation.client_id == client_id)
        .order_by(Reservation.id.desc())
    )
    return list(rows.scalars())


async def active_reservations(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, variant_id: int
) -> list[Reservation]:
    """A client's active reservations of a variant, oldest first, locked."""
    rows = await session.execute(
        select(Reservation)
        .where(
            Reservation.account_id == account_id,
            Reservation.client_id == client_id,
            Reservation.variant_id == variant_id,
            Reservation.status == "active",
        )
        .order_by(Reservation.id)
        .with_for_update()
    )
    return list(rows.scalars())
