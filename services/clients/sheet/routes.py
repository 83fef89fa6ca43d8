"""HTTP routes of the client sheet: the sheet itself, the orders history, top products and statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.sheet import service
from services.clients.sheet.domain import Group
from services.clients.sheet.schemas import ClientOrderPage, ClientSheet, ClientStatistics, TopProducts
from shared.auth import Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute
from shared.schemas import Day

# The sheet itself is documented with the client's other routes; its figures under "client sheet".
router = APIRouter(prefix="/api/clients", route_class=IdempotentRoute)
ClientId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Client id")]
Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")]
# 'from' is a Python keyword: the parameters keep the API's names through aliases.
DateFrom = Annotated[Day | None, Query(alias="from", description="First day, inclusive, in the account's time zone")]
DateTo = Annotated[Day | None, Query(alias="to", description="Last day, inclusive, in the account's time zone")]


@router.get("/{client_id}", response_model=ClientSheet, tags=["clients"])
async def get_client(client_id: ClientId, principal: Reader, session: Transaction) -> Any:
    """The client sheet: every field, the contacts, the status and the figures, in one answer."""
    return await service.client_sheet(session, principal=principal, client_id=client_id)


@router.get("/{client_id}/orders", response_model=ClientOrderPage, tags=["client sheet"])
async def order_history(
    client_id: ClientId,
    principal: Reader,
    session: Transaction,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The orders billed to the client, newest first, with their invoices."""
    return await service.order_history(session, principal=principal, client_id=client_id, cursor=cursor, limit=limit)


@router.get("/{client_id}/top-products", response_model=TopProducts, tags=["client sheet"])
async def top_products(
    client_id: ClientId,
    principal: Reader,
    session: Transaction,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Any:
    """The products most delivered to the client, counted where the goods went."""
    return await service.top_products(
        session, principal=principal, client_id=client_id, date_from=date_from, date_to=date_to, limit=limit
    )


@router.get("/{client_id}/statistics", response_model=ClientStatistics, tags=["client sheet"])
async def statistics(
    client_id: ClientId,
    principal: Reader,
    session: Transaction,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    group: Group = "month",
    container: Annotated[int | None, Query(ge=1, le=DB_BIGINT_MAX, description="Only this container")] = None,
) -> Any:
    """Orders, revenue and deliveries per month or year; the last 12 months or 5 years by default."""
    return await service.statistics(
        session,
        principal=principal,
        client_id=client_id,
        date_from=date_from,
        date_to=date_to,
        group=group,
        container_id=container,
    )
