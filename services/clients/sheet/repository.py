"""Queries of the client sheet: orders history and summary, top products, statistics per period.

Dates are local to the account's time zone: a day starts at local midnight and a period
is a local month or year, computed by PostgreSQL from the zone's name.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Interval,
    Row,
    and_,
    any_,
    func,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import ClientInvoice, ClientInvoiceLine, ClientOrder, ClientShipmentLine
from services.clients.sheet.domain import Group

PERIOD_FORMAT = {"month": "YYYY-MM", "year": "YYYY"}


class PeriodScope(TypedDict):
    """Whose figures, between which local days, grouped how: what every per-period query takes."""

    account_id: uuid.UUID
    client_id: int
    start: date
    end: date
    tz: str
    group: Group
    container_id: int | None


def _local_day_start(day: date, tz: str, *, plus_days: int = 0) -> ColumnElement[Any]:
    # The day is added in SQL: 9999-12-31 plus one day exists there, not in Python.
    midnight = literal(datetime.combine(day, time.min), DateTime()) + literal(timedelta(days=plus_days), Interval())
    return func.timezone(tz, midnight)


def _within(column: Any, *, start: date | None, end: date | None, tz: str) -> ColumnElement[bool]:
    bounds = []
    if start is not None:
        bounds.append(column >= _local_day_start(start, tz))
    if end is not None:
        bounds.append(column < _local_day_start(end, tz, plus_days=1))
    return and_(true(), *bounds)


def _period(column: Any, *, tz: str, group: Group) -> ColumnElement[str]:
    return func.to_char(func.timezone(tz, column), PERIOD_FORMAT[group]).label("period")


async def orders_page(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Row[*tuple[Any, ...]]]:
    """Up to ``limit + 1`` orders billed to a client, newest first, each with its current invoice."""
    # An order's invoice: the live one, else the last cancelled one (re-invoicing after a credit note).
    invoice = (
        select(
            ClientInvoice.invoice_id, ClientInvoice.invoice_number, ClientInvoice.issued_at, ClientInvoice.cancelled_at
        )
        .where(
            ClientInvoice.account_id == ClientOrder.account_id,
            ClientInvoice.order_id == ClientOrder.order_id,
            ClientInvoice.issued_at.is_not(None),
        )
        .order_by(
            ClientInvoice.cancelled_at.is_(None).desc(), ClientInvoice.issued_at.desc(), ClientInvoice.invoice_id.desc()
        )
        .limit(1)
        .lateral("invoice")
    )
    query = (
        select(
            ClientOrder.order_id,
            ClientOrder.order_number,
            ClientOrder.state,
            ClientOrder.created_at,
            ClientOrder.total_cents,
            ClientOrder.currency,
            invoice.c.invoice_id,
            invoice.c.invoice_number,
            invoice.c.issued_at,
            invoice.c.cancelled_at,
        )
        .select_from(ClientOrder)
        .outerjoin(invoice, true())
        .where(ClientOrder.account_id == account_id, ClientOrder.client_id == client_id)
    )
    if after is not None:
        query = query.where(
            tuple_(ClientOrder.created_at, ClientOrder.order_id)
            < tuple_(literal(after[0], DateTime(timezone=True)), literal(after[1], BigInteger))
        )
    query = query.order_by(ClientOrder.created_at.desc(), ClientOrder.order_id.desc()).limit(limit + 1)
    return list((await session.execute(query)).all())


async def order_summary(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> Row[*tuple[Any, ...]]:
    """How many orders the client has (cancelled excluded), how many are open, and the last one's date."""
    live = ClientOrder.state != "cancelled"
    return (
        await session.execute(
            select(
                func.count().filter(live).label("orders_count"),
                func.count().filter(ClientOrder.state.in_(("draft", "confirmed"))).label("open_orders_count"),
                func.max(ClientOrder.created_at).filter(live).label("last_order_at"),
            ).where(ClientOrder.account_id == account_id, ClientOrder.client_id == client_id)
        )
    ).one()


async def top_products(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    start: date | None,
    end: date | None,
    tz: str,
    limit: int,
) -> list[Row[*tuple[Any, ...]]]:
    """The variants most delivered to a client (as ship-to), by units then litres."""
    line = ClientShipmentLine
    units, litres = func.sum(line.quantity).label("units"), func.sum(line.litres).label("litres")

    def latest(column: Any, name: str) -> Any:
        # Names may change over time: show the one of the most recent delivery.
        return func.array_agg(aggregate_order_by(column, line.shipped_at.desc()))[1].label(name)

    query = (
        select(
            line.variant_id,
            line.product_id,
            line.vintage,
            line.container_id,
            func.max(line.millilitres).label("millilitres"),
            latest(line.product_name, "product_name"),
            latest(line.container_name, "container_name"),
            latest(line.container_short_name, "container_short_name"),
            units,
            litres,
        )
        .where(
            line.account_id == account_id,
            line.ship_to_client_id == client_id,
            _within(line.shipped_at, start=start, end=end, tz=tz),
        )
        .group_by(line.variant_id, line.product_id, line.vintage, line.container_id)
        .order_by(units.desc(), litres.desc(), line.variant_id)
        .limit(limit)
    )
    return list((await session.execute(query)).all())


async def orders_per_period(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    start: date,
    end: date,
    tz: str,
    group: Group,
    container_id: int | None,
) -> dict[str, int]:
    """Orders billed to a client and not cancelled, by period of creation."""
    period = _period(ClientOrder.created_at, tz=tz, group=group)
    query = (
        select(period, func.count())
        .where(
            ClientOrder.account_id == account_id,
            ClientOrder.client_id == client_id,
            ClientOrder.state != "cancelled",
            _within(ClientOrder.created_at, start=start, end=end, tz=tz),
        )
        .group_by(period)
    )
    if container_id is not None:
        query = query.where(literal(container_id, BigInteger) == any_(ClientOrder.container_ids))
    return {row.period: row[1] for row in await session.execute(query)}


async def revenue_per_period(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    start: date,
    end: date,
    tz: str,
    group: Group,
    container_id: int | None,
) -> dict[str, int]:
    """Cents invoiced to a client and not cancelled, by period of issue (only one container's lines if given)."""
    period = _period(ClientInvoice.issued_at, tz=tz, group=group)
    amount = ClientInvoice.total_cents if container_id is None else ClientInvoiceLine.line_total_cents
    query = (
        select(period, func.sum(amount))
        .where(
            ClientInvoice.account_id == account_id,
            ClientInvoice.client_id == client_id,
            ClientInvoice.issued_at.is_not(None),
            ClientInvoice.cancelled_at.is_(None),
            _within(ClientInvoice.issued_at, start=start, end=end, tz=tz),
        )
        .group_by(period)
    )
    if container_id is not None:
        query = query.join(
            ClientInvoiceLine,
            and_(
                ClientInvoiceLine.account_id == ClientInvoice.account_id,
                ClientInvoiceLine.invoice_id == ClientInvoice.invoice_id,
            ),
        ).where(ClientInvoiceLine.container_id == container_id)
    return {row.period: int(row[1] or 0) for row in await session.execute(query)}


async def deliveries_per_period(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    start: date,
    end: date,
    tz: str,
    group: Group,
    container_id: int | None,
) -> dict[str, Row[*tuple[Any, ...]]]:
    """Units and litres shipped to a client, by period of shipping."""
    line = ClientShipmentLine
    period = _period(line.shipped_at, tz=tz, group=group)
    query = (
        select(period, func.sum(line.quantity).label("units"), func.sum(line.litres).label("litres"))
        .where(
            line.account_id == account_id,
            line.ship_to_client_id == client_id,
            _within(line.shipped_at, start=start, end=end, tz=tz),
        )
        .group_by(period)
    )
    if container_id is not None:
        query = query.where(line.container_id == container_id)
    return {row.period: row for row in await session.execute(query)}
