"""Turn a search into SQL conditions for one account: parse, resolve labels, compile."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.search import filters
from services.clients.search.filters import Clause
from services.clients.search.params import SearchParams


async def search_conditions(
    session: AsyncSession, *, account_id: uuid.UUID, timezone: str, search: SearchParams
) -> list[Clause]:
    """The WHERE conditions of a search; empty for the plain list. Bad input raises a 422."""
    if search.is_empty():
        return []
    terms = await filters.resolve_labels(session, account_id=account_id, terms=search.terms())
    return filters.conditions(terms, account_id=account_id, timezone=timezone)
