"""A selection of clients for exports and mailings: the whole base, a search, a saved segment or ids."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.list_queries import Tab
from services.clients.search import repository
from services.clients.search.filters import Clause
from services.clients.search.params import SearchBody, SearchParams
from services.clients.search.service import search_conditions
from services.clients.validation import Id
from shared.errors import InvalidField, NotFound, fields_inside
from shared.schemas import StrictBody

MAX_CLIENT_IDS = 100_000
MAX_URL_CLIENT_IDS = 1_000  # in a query string; longer lists go in a POST body


class Selection(StrictBody):
    """Which clients: at most one of search, segment_id and client_ids; none means the whole base."""

    search: SearchBody | None = None
    segment_id: Id | None = None
    client_ids: Annotated[list[Id] | None, Field(max_length=MAX_CLIENT_IDS)] = None
    tab: Tab = "all"

    @model_validator(mode="after")
    def _one_way_in(self) -> Selection:
        given = [name for name in ("search", "segment_id", "client_ids") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of search, segment_id and client_ids, not {' and '.join(given)}")
        return self


async def segment_search(session: AsyncSession, *, account_id: uuid.UUID, segment_id: int) -> SearchParams:
    """The saved search of a segment, as it is today (a segment is re-evaluated each time)."""
    segment = await repository.get_segment(session, account_id=account_id, segment_id=segment_id)
    if segment is None:
        raise NotFound(f"Segment {segment_id} does not exist.")
    return SearchParams.model_validate(segment.search)


async def known_client_ids(
    session: AsyncSession, *, account_id: uuid.UUID, ids: list[int], field: str = "client_ids"
) -> list[int]:
    """The ids, sorted and unique, once each is known to be a live client of the account (else 422 naming ``field``)."""
    wanted = set(ids)
    missing = sorted(wanted - await repository.live_client_ids(session, account_id=account_id, ids=list(wanted)))
    if missing:
        raise InvalidField(field, f"no such clients in this account: {missing[:20]}")
    return sorted(wanted)


async def query_conditions(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    timezone: str,
    search: SearchParams,
    segment_id: int | None = None,
    client_ids: list[int] | None = None,
) -> list[Clause]:
    """Conditions of a list URL: its search, a saved segment and ids, all of which must hold."""
    conditions = await search_conditions(session, account_id=account_id, timezone=timezone, search=search)
    if segment_id is not None:
        saved = await segment_search(session, account_id=account_id, segment_id=segment_id)
        conditions += await search_conditions(session, account_id=account_id, timezone=timezone, search=saved)
    if client_ids:
        known = await known_client_ids(session, account_id=account_id, ids=client_ids)
        conditions.append(repository.id_is_any_of(known))
    return conditions


async def selection_conditions(
    session: AsyncSession, *, account_id: uuid.UUID, timezone: str, selection: Selection
) -> tuple[list[Clause], SearchParams | None]:
    """The conditions of a selection and the search they come from (None for ids); a 422 names the field
    where the caller wrote it: ``selection.client_ids``, ``selection.search.q`` or ``selection.segment_id.q``."""
    if selection.client_ids is not None:
        known = await known_client_ids(
            session, account_id=account_id, ids=selection.client_ids, field="selection.client_ids"
        )
        return [repository.id_is_any_of(known)], None
    search = await selection_search(session, account_id=account_id, selection=selection)
    with fields_inside("selection.segment_id" if selection.segment_id is not None else "selection.search"):
        return await search_conditions(session, account_id=account_id, timezone=timezone, search=search), search


async def selection_search(session: AsyncSession, *, account_id: uuid.UUID, selection: Selection) -> SearchParams:
    """The search a selection without ids stands for: its own, its segment's as saved today, or everything."""
    if selection.segment_id is not None:
        return await segment_search(session, account_id=account_id, segment_id=selection.segment_id)
    return selection.search or SearchParams()
