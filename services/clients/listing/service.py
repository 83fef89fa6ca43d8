"""Use cases of the client base list: tabs, sorts, keyset pages and tab counts, for the list or a search."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.bodies import last_invoiced, name_of
from services.clients.base.domain import NameOrder
from services.clients.base.list_order import Direction, Ordering, SortKey, Tab, id_is_any_of
from services.clients.base.service import UnknownAccount
from services.clients.listing import repository
from services.clients.listing.repository import Cursor
from services.clients.search.params import SearchParams
from services.clients.search.service import search_relevance
from services.clients.selections.service import query_conditions
from shared.auth import Principal

# A search first fetches up to this many matches, unordered (any index may serve it). Fewer: they are
# counted exactly and the page is sorted from them, because walking a sorted index for 179 matches
# spread over a million rows reads the million (bench: 1.7 s). More: counts stop there ("1,000+")
# and the page walks the sorted index, which meets 50 matches of a 0.1%+ search soon enough.
MATCH_COUNT_CAP = 1_000


def resolve_sort(sort: SortKey, name_order: str) -> str:
    """'name' (and 'relevance', whose ties go by name) sorts by first or last name, as the account says."""
    if sort in ("name", "relevance"):
        return "first_name" if name_order == "first_last" else "last_name"
    return sort


def ordering_of(
    sort: SortKey | None,
    direction: Direction,
    *,
    name_order: str,
    relevance: ColumnElement[int] | None,
    all_matches_known: bool,
) -> Ordering:
    """The order of a page: by relevance when asked (the default for a search with words) and every
    match is known, so that ranking them costs little; otherwise by the sort key."""
    wanted = sort or ("relevance" if relevance is not None else "name")
    ranked = wanted == "relevance" and relevance is not None and all_matches_known
    return Ordering(sort=resolve_sort(wanted, name_order), direction=direction, score=relevance if ranked else None)


async def list_clients(
    session: AsyncSession,
    *,
    principal: Principal,
    tab: Tab,
    sort: SortKey | None,
    direction: Direction,
    cursor: str | None,
    limit: int,
    search: SearchParams,
    segment_id: int | None = None,
) -> dict[str, Any]:
    """One page of the list, or of a search, with the counts of every tab."""
    # The hottest route: account settings and tab counts come in one query, not two.
    account = await repository.account_and_counts(session, account_id=principal.account_id)
    if account is None:
        raise UnknownAccount
    conditions = await query_conditions(
        session, account_id=principal.account_id, timezone=account.timezone, search=search, segment_id=segment_id
    )
    clients, prospects, exact = account.clients, account.prospects, True
    if conditions:
        conditions, clients, prospects, exact = await count_matches(
            session, account_id=principal.account_id, conditions=conditions
        )
    ordering = ordering_of(
        sort,
        direction,
        name_order=account.name_order,
        all_matches_known=exact,
        relevance=search_relevance(search, account_id=principal.account_id),
    )
    after = Cursor.decode(cursor, sort=ordering.name, direction=direction) if cursor else None
    rows, next_cursor = await repository.list_page(
        session,
        account_id=principal.account_id,
        tab=tab,
        ordering=ordering,
        cursor=after,
        limit=limit,
        conditions=conditions,
    )
    return {
        "items": [list_row(row, account.name_order) for row in rows],
        "counts": {"all": clients + prospects, "clients": clients, "prospects": prospects, "exact": exact},
        "sort": ordering.name,
        "next_cursor": next_cursor.encode() if next_cursor else None,
    }


async def count_matches(
    session: AsyncSession, *, account_id: uuid.UUID, conditions: list[ColumnElement[bool]]
) -> tuple[list[ColumnElement[bool]], int, int, bool]:
    """A search's matches up to the cap: (conditions, clients, prospects, exact); under the cap, the
    conditions become the list of the matches' ids."""
    await repository.plan_each_search(session)
    matches = await repository.first_matches(
        session, account_id=account_id, conditions=conditions, limit=MATCH_COUNT_CAP + 1
    )
    clients = sum(1 for m in matches if m.status == "client")
    exact = len(matches) <= MATCH_COUNT_CAP
    if exact:
        conditions = [id_is_any_of([m.id for m in matches])]
    return conditions, clients, len(matches) - clients, exact


def list_row(row: Any, order: NameOrder) -> dict[str, Any]:
    """One row of the client list."""
    return {
        "id": row.id,
        "display_name": name_of(row, order),
        "location": {
            "postal_code": row.billing_postal_code,
            "city": row.billing_city,
            "country_code": row.billing_country,
        },
        "last_invoiced_order": last_invoiced(row),
        "invoiced_orders_count": row.invoiced_orders_count,
        "invoiced_total_cents": row.invoiced_total_cents,
        "currency": "EUR",
        "status": row.status,
    }
