"""Queries of the client base list: keyset pages over indexed sort keys, the first matches of a search, the tab counts."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, DateTime, Row, and_, cast, func, literal, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.list_order import Ordering, Tab, listed
from services.clients.models import LIST_SORT_COLUMNS, Account, AccountClientCounts, Client
from shared.errors import InvalidField
from shared.schemas import INT4_MAX, INT8_MAX, cursor_id, cursor_moment, unstorable

TIMESTAMP_SORTS = {"created_at", "last_invoiced_at"}
TEXT_SORTS = {"first_name", "last_name", "location"}
NO_INVOICE = "-infinity"
INTEGER_SORT_MAX = {"invoiced_orders": INT4_MAX, "total_invoiced": INT8_MAX}


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the previous page stopped: its last sort key and id, for one sort and direction.

    For a relevance order the key is ``[score, sort key]``.
    """

    sort: str
    direction: str
    key: Any
    id: int

    def encode(self) -> str:
        """Opaque URL-safe text."""
        raw = orjson.dumps([self.sort, self.direction, self.key, self.id])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, *, sort: str, direction: str) -> Cursor:
        """Parse a cursor made for the same sort and direction; 422 on anything else."""
        try:
            padded = text + "=" * (-len(text) % 4)
            s, d, key, row_id = orjson.loads(base64.urlsafe_b64decode(padded))
            keys = key if s == "relevance" and isinstance(key, list) and len(key) == 2 else [key]
            valid = cursor_id(row_id) is not None and all(
                isinstance(k, str | int) and not isinstance(k, bool) for k in keys
            )
        except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
            valid = False
        if not valid:
            raise InvalidField("cursor", "not a cursor returned by this list")
        if (s, d) != (sort, direction):
            raise InvalidField("cursor", "the cursor belongs to another sort order; start again without it")
        return cls(sort=s, direction=d, key=key, id=row_id)


LIST_COLUMNS = (
    Client.id,
    Client.kind,
    Client.first_name,
    Client.last_name,
    Client.company_name,
    Client.billing_postal_code,
    Client.billing_city,
    Client.billing_country,
    Client.status,
    Client.invoiced_orders_count,
    Client.invoiced_total_cents,
    Client.last_invoiced_at,
    Client.last_invoiced_order_id,
    Client.last_invoiced_order_number,
    Client.created_at,
)


async def list_page(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    tab: Tab,
    ordering: Ordering,
    cursor: Cursor | None,
    limit: int,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[Row[*tuple[Any, ...]]], Cursor | None]:
    """One page of rows matching the search conditions, and the cursor of the next page (None on the last)."""
    sort, direction = ordering.sort, ordering.direction
    sort_expr = LIST_SORT_COLUMNS[sort]
    score = ordering.score if ordering.score is not None else literal(0)
    query = select(*LIST_COLUMNS, sort_expr.label("sort_key"), score.label("score")).where(
        *listed(account_id, tab, conditions)
    )
    if cursor is not None:
        key = cursor.key[1] if ordering.score is not None else cursor.key
        after = tuple_(sort_expr, Client.id)
        bound = tuple_(_sql_key(sort, key), literal(cursor.id))
        keyed = after > bound if direction == "asc" else after < bound
        if ordering.score is not None:
            best = _score_key(cursor.key[0])
            keyed = or_(ordering.score < best, and_(ordering.score == best, keyed))
        query = query.where(keyed)
    rows = list((await session.execute(query.order_by(*ordering.order_by()).limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    key = _cursor_key(sort, last)
    return rows, Cursor(
        sort=ordering.name,
        direction=direction,
        key=[last.score, key] if ordering.score is not None else key,
        id=last.id,
    )


def _score_key(value: object) -> Any:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
        raise InvalidField("cursor", "not a cursor returned by this list")
    return literal(value)


async def plan_each_search(session: AsyncSession) -> None:
    """Plan this transaction's statements with their values: a cached generic plan cannot see that
    'dept:33' matches 1% and 'name:dumas' 0.002%, and picks a table scan for both."""
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    # Starting parallel workers costs 20-30 ms on a 2-core box, more than these queries gain from them.
    await session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


async def first_matches(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    conditions: Sequence[ColumnElement[bool]],
    limit: int,
) -> list[Row[*tuple[Any, ...]]]:
    """(id, status) of up to ``limit`` matches in no order: without ORDER BY the planner may use any index."""
    query = select(Client.id, Client.status).where(*listed(account_id, "all", conditions)).limit(limit)
    return list(await session.execute(query))


def _cursor_key(sort: str, row: Row[*tuple[Any, ...]]) -> str | int:
    if sort == "created_at":
        return row.created_at.isoformat()
    if sort == "last_invoiced_at":
        return row.last_invoiced_at.isoformat() if row.last_invoiced_at else NO_INVOICE
    return row.sort_key


def _sql_key(sort: str, key: object) -> Any:
    # The key comes from the client: check its type so a forged cursor is a 422, not a 500.
    if sort in TIMESTAMP_SORTS:
        if sort == "last_invoiced_at" and key == NO_INVOICE:
            return cast(literal(NO_INVOICE), DateTime(timezone=True))
        moment = cursor_moment(key)
        if moment is None:
            raise InvalidField("cursor", "not a cursor returned by this list")
        return literal(moment, DateTime(timezone=True))
    if sort in TEXT_SORTS:
        valid = isinstance(key, str) and unstorable(key) is None
    else:  # a count (int4 column) or an amount in cents (int8)
        valid = isinstance(key, int) and not isinstance(key, bool) and abs(key) <= INTEGER_SORT_MAX[sort]
    if not valid:
        raise InvalidField("cursor", "not a cursor returned by this list")
    return literal(key)


async def account_and_counts(session: AsyncSession, *, account_id: uuid.UUID) -> Row[*tuple[Any, ...]] | None:
    """The account's name order, time zone and (clients, prospects) counts, in one round trip."""
    return (
        await session.execute(
            select(
                Account.name_order,
                Account.timezone,
                func.coalesce(AccountClientCounts.clients, 0).label("clients"),
                func.coalesce(AccountClientCounts.prospects, 0).label("prospects"),
            )
            .select_from(Account)
            .outerjoin(AccountClientCounts, AccountClientCounts.account_id == Account.id)
            .where(Account.id == account_id)
        )
    ).first()
