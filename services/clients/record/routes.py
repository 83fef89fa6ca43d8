"""HTTP routes of a client's record: create, edit, block and unblock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from services.clients.base.schemas import ClientRead
from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.record import service
from services.clients.record.schemas import BlockRequest, ClientCreate, ClientUpdate
from shared.auth import Manager, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", tags=["clients"], route_class=IdempotentRoute)
ClientId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Client id")]


@router.post("", response_model=ClientRead, status_code=status.HTTP_201_CREATED)
async def create_client(body: ClientCreate, principal: Staff, session: Transaction) -> Any:
    """Add a client or a prospect."""
    return await service.create_client(session, principal=principal, data=body)


@router.patch("/{client_id}", response_model=ClientRead)
async def update_client(client_id: ClientId, body: ClientUpdate, principal: Staff, session: Transaction) -> Any:
    """Edit the fields present in the body."""
    return await service.update_client(session, principal=principal, client_id=client_id, data=body)


@router.post("/{client_id}/block", response_model=ClientRead)
async def block_client(client_id: ClientId, body: BlockRequest, principal: Manager, session: Transaction) -> Any:
    """Block a client: no new orders may be taken for it."""
    return await service.set_blocked(
        session, principal=principal, client_id=client_id, blocked=True, reason=body.reason
    )


@router.post("/{client_id}/unblock", response_model=ClientRead)
async def unblock_client(client_id: ClientId, principal: Manager, session: Transaction) -> Any:
    """Let a blocked client order again."""
    return await service.set_blocked(session, principal=principal, client_id=client_id, blocked=False)
