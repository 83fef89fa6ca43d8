"""The client base list (F2-F4): tabs, sorts, keyset pages and tab counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients import list_queries
from services.clients.list_queries import Cursor, Direction, SortKey, Tab
from services.clients.search.params import SearchParams
from services.clients.search.repository import id_is_any_of
from services.clients.search.selection import query_conditions
from services.clients.service import UnknownAccount
from services.clients.views import list_row
from shared.auth import Principal

# A search first fetches up to this many matches, unordered (any index may serve it). Fewer: they are
# counted exactly and the page is sorted from them, because walking a sorted index for 179 matches
# spread over a million rows reads the million (bench: 1.7 s). More: counts stop there ("1,000+")
# and the page walks the sorted index, which meets 50 matches of a 0.1%+ search soon enough.
MATCH_COUNT_CAP = 1_000


def resolve_sort(sort: SortKey, name_order: str) -> str:
    """'name' sorts by first or last name, as the account's setting says."""
    if sort == "name":
        return "first_name" if name_order == "first_last" else "last_name"
    return sort


async def list_clients(
    session: AsyncSession, *, principal: Principal, tab: Tab, sort: SortKey, direction: Direction,
    cursor: str | None, limit: int, search: SearchParams, segment_id: int | None = None,
) -> dict[str, Any]:
    """One page of the list, or of a search, with the counts of every tab."""
    # The hottest route: account settings and tab counts come in one query, not two.
    account = await list_queries.account_and_counts(session, account_id=principal.account_id)
    if account is None:
        raise UnknownAccount
    resolved = resolve_sort(sort, account.name_order)
    after = Cursor.decode(cursor, sort=resolved, direction=direction) if cursor else None
    conditions = await query_conditions(session, account_id=principal.account_id, timezone=account.timezone,
                                        search=search, segment_id=segment_id)
    clients, prospects, exact = account.clients, account.prospects, True
    if conditions:
        await list_queries.plan_each_search(session)
        matches = await list_queries.first_matches(session, account_id=principal.account_id,
                                                   conditions=conditions, limit=MATCH_COUNT_CAP + 1)
        clients = sum(1 for m in matches if m.status == "client")
        prospects, exact = len(matches) - clients, len(matches) <= MATCH_COUNT_CAP
        if exact:
            conditions = [id_is_any_of([m.id for m in matches])]
    rows, next_cursor = await list_queries.list_page(
        session, account_id=principal.account_id, tab=tab, sort=resolved, direction=direction, cursor=after,
        limit=limit, conditions=conditions,
    )
    return {
        "items": [list_row(row, account.name_order) for row in rows],
        "counts": {"all": clients + prospects, "clients": clients, "prospects": prospects, "exact": exact},
        "next_cursor": next_cursor.encode() if next_cursor else None,
    }
