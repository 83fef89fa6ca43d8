"""HTTP routes of the client sheet's order figures: history, top products, statistics, timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.clients import sheet_service
from services.clients.periods import Group
from services.clients.sheet_schemas import ClientOrderPage, ClientStatistics, TimelinePage, TopProducts
from services.clients.timeline_text import TimelineCategory
from services.clients.validation import DB_BIGINT_MAX
from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.idempotency import IdempotentRoute
from shared.schemas import Day

router = APIRouter(prefix="/api/clients", tags=["client sheet"], route_class=IdempotentRoute)
ClientId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Client id")]
Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")]
# 'from' is a Python keyword: the parameters keep the API's names through aliases.
DateFrom = Annotated[Day | None, Query(alias="from", description="First day, inclusive, in the account's time zone")]
DateTo = Annotated[Day | None, Query(alias="to", description="Last day, inclusive, in the account's time zone")]


@router.get("/{client_id}/orders", response_model=ClientOrderPage)
async def order_history(
    client_id: ClientId,
    principal: CurrentPrincipal,
    session: Transaction,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The orders billed to the client, newest first, with their invoices (F13)."""
    return await sheet_service.order_history(
        session, principal=principal, client_id=client_id, cursor=cursor, limit=limit
    )


@router.get("/{client_id}/top-products", response_model=TopProducts)
async def top_products(
    client_id: ClientId,
    principal: CurrentPrincipal,
    session: Transaction,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Any:
    """The products most delivered to the client, counted where the goods went (F16)."""
    return await sheet_service.top_products(
        session, principal=principal, client_id=client_id, date_from=date_from, date_to=date_to, limit=limit
    )


@router.get("/{client_id}/statistics", response_model=ClientStatistics)
async def statistics(
    client_id: ClientId,
    principal: CurrentPrincipal,
    session: Transaction,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    group: Group = "month",
    container: Annotated[int | None, Query(ge=1, le=DB_BIGINT_MAX, description="Only this container")] = None,
) -> Any:
    """Orders, revenue and deliveries per month or year; the last 12 months or 5 years by default (F17)."""
    return await sheet_service.statistics(
        session,
        principal=principal,
        client_id=client_id,
        date_from=date_from,
        date_to=date_to,
        group=group,
        container_id=container,
    )


@router.get("/{client_id}/timeline", response_model=TimelinePage)
async def timeline(
    client_id: ClientId,
    principal: CurrentPrincipal,
    session: Transaction,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    kind: Annotated[list[TimelineCategory] | None, Query(description="Only these kinds (repeatable)")] = None,
) -> Any:
    """What happened to the client, newest first, optionally only some kinds (F10)."""
    return await sheet_service.timeline(
        session,
        principal=principal,
        client_id=client_id,
        cursor=cursor,
        limit=limit,
        categories=sorted(set(kind or [])),
    )
