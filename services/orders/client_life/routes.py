"""HTTP routes of the clients as the orders service knows them: the client picker."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.orders.client_life import service
from services.orders.client_life.schemas import ClientChoice
from shared.auth import Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute
from shared.text import fold

router = APIRouter(prefix="/api/orders", tags=["orders"], route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OrderId = ObjectId
ClientQuery = Annotated[int, Query(ge=1, le=2**63 - 1)]


@router.get("/client-choices", response_model=list[ClientChoice])
async def client_choices(
    principal: Reader,
    session: Transaction,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Any:
    """Clients that can be given a new order; blocked, archived, erased, merged or deleted ones never appear."""
    return await service.client_choices(session, account_id=principal.account_id, prefix=fold(q), limit=limit)
