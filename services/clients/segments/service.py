"""Use cases of saved searches (segments): create, list, rename or change, delete, and read one's search."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.service import account_of
from services.clients.models import Segment
from services.clients.search.params import SearchBody, SearchParams
from services.clients.search.service import search_conditions
from services.clients.segments import repository
from services.clients.segments.schemas import SegmentCreate, SegmentUpdate
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound, fields_inside


def segment_body(segment: Segment) -> dict[str, Any]:
    """A segment as the API shows it."""
    return {
        "id": segment.id,
        "name": segment.name,
        "search": segment.search,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
    }


async def list_segments(session: AsyncSession, *, principal: Principal) -> list[dict[str, Any]]:
    """The account's segments."""
    return [segment_body(s) for s in await repository.list_segments(session, account_id=principal.account_id)]


async def get_segment(session: AsyncSession, *, principal: Principal, segment_id: int) -> dict[str, Any]:
    """One segment."""
    return segment_body(await _load(session, principal=principal, segment_id=segment_id))


async def create_segment(session: AsyncSession, *, principal: Principal, data: SegmentCreate) -> dict[str, Any]:
    """Save a search under a name unique in the account; the search is checked first."""
    await _check(session, principal=principal, name=data.name, search=data.search)
    segment = Segment(account_id=principal.account_id, name=data.name, search=_stored(data.search))
    session.add(segment)
    await session.flush()
    await session.refresh(segment)
    return segment_body(segment)


async def update_segment(
    session: AsyncSession, *, principal: Principal, segment_id: int, data: SegmentUpdate
) -> dict[str, Any]:
    """Rename a segment or change its search."""
    segment = await _load(session, principal=principal, segment_id=segment_id)
    if "name" in data.model_fields_set and data.name is None:
        raise InvalidField("name", "may not be null")
    if "search" in data.model_fields_set and data.search is None:
        raise InvalidField("search", "may not be null")
    await _check(session, principal=principal, name=data.name, search=data.search, segment_id=segment.id)
    if data.name is not None:
        segment.name = data.name
    if data.search is not None:
        segment.search = _stored(data.search)
    segment.updated_at = datetime.now(UTC)
    return segment_body(segment)


async def delete_segment(session: AsyncSession, *, principal: Principal, segment_id: int) -> None:
    """Forget a segment; the clients it selected are not touched."""
    await session.delete(await _load(session, principal=principal, segment_id=segment_id))


async def saved_search(session: AsyncSession, *, account_id: uuid.UUID, segment_id: int) -> SearchParams:
    """The saved search of a segment, as it is today (a segment is re-evaluated each time)."""
    segment = await repository.get_segment(session, account_id=account_id, segment_id=segment_id)
    if segment is None:
        raise NotFound(f"Segment {segment_id} does not exist.")
    return SearchParams.model_validate(segment.search)


def _stored(search: SearchBody) -> dict[str, Any]:
    return search.model_dump(mode="json", exclude_defaults=True)


async def _check(
    session: AsyncSession,
    *,
    principal: Principal,
    name: str | None,
    search: SearchBody | None,
    segment_id: int | None = None,
) -> None:
    account = await account_of(session, principal)
    if name is not None and await repository.segment_name_taken(
        session, account_id=account.id, name=name, except_id=segment_id
    ):
        raise Conflict(
            f"A segment named {name!r} already exists.",
            extra={"errors": [{"field": "name", "message": "already used"}]},
        )
    if search is not None:
        # Compiling the search checks it (syntax, known tags and categories) before it is saved.
        with fields_inside("search"):
            await search_conditions(session, account_id=account.id, timezone=account.timezone, search=search)


async def _load(session: AsyncSession, *, principal: Principal, segment_id: int) -> Segment:
    segment = await repository.get_segment(session, account_id=principal.account_id, segment_id=segment_id)
    if segment is None:
        raise NotFound(f"Segment {segment_id} does not exist.")
    return segment
