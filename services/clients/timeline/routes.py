"""HTTP route of a client's timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.timeline import service
from services.clients.timeline.domain import TimelineCategory
from services.clients.timeline.schemas import TimelinePage
from shared.auth import Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", tags=["client sheet"], route_class=IdempotentRoute)
ClientId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Client id")]
Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")]


@router.get("/{client_id}/timeline", response_model=TimelinePage)
async def timeline(
    client_id: ClientId,
    principal: Reader,
    session: Transaction,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    kind: Annotated[list[TimelineCategory] | None, Query(description="Only these kinds (repeatable)")] = None,
) -> Any:
    """What happened to the client (record, orders, invoices, deliveries, payments, notes, e-mails...), newest first, optionally only some kinds."""
    return await service.timeline(
        session,
        principal=principal,
        client_id=client_id,
        cursor=cursor,
        limit=limit,
        categories=sorted(set(kind or [])),
    )
