"""HTTP route of the client base list, which also searches it."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from services.clients.base.list_order import SORT_DESCRIPTION, Direction, SortKey, Tab
from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.listing import service
from services.clients.listing.schemas import ClientPage
from services.clients.search.params import SearchParams
from shared.auth import Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", tags=["clients"], route_class=IdempotentRoute)


@router.get("", response_model=ClientPage)
async def list_clients(
    principal: Reader,
    session: Transaction,
    tab: Tab = "all",
    sort: SortKey | None = Query(None, description=SORT_DESCRIPTION),
    direction: Direction = "asc",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    search: Annotated[SearchParams, Query()] = SearchParams(),
    segment_id: Annotated[int | None, Query(ge=1, le=DB_BIGINT_MAX, description="A saved search to apply")] = None,
) -> Response:
    """List or search the client base: one tab (all, clients, prospects), sorted, one keyset page, with the counts."""
    page = await service.list_clients(
        session,
        principal=principal,
        tab=tab,
        sort=sort,
        direction=direction,
        cursor=cursor,
        limit=limit,
        search=search,
        segment_id=segment_id,
    )
    # Serialised with orjson directly: the list is the hottest route (see README, benchmark).
    return Response(orjson.dumps(page), media_type="application/json")
