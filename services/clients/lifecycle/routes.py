"""HTTP routes of how a client leaves the base and comes back: delete, archive, restore."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from services.clients.base.schemas import ClientRead
from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.lifecycle import service
from shared.auth import Manager
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", tags=["clients"], route_class=IdempotentRoute)
ClientId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Client id")]


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_client(client_id: ClientId, principal: Manager, session: Transaction) -> None:
    """Delete a client with no orders and no invoices; otherwise 409 offering archive or erase."""
    await service.delete_client(session, principal=principal, client_id=client_id)


@router.post("/{client_id}/archive", response_model=ClientRead)
async def archive_client(client_id: ClientId, principal: Manager, session: Transaction) -> Any:
    """Hide a client from the list, the search and the order picker; restorable."""
    return await service.archive_client(session, principal=principal, client_id=client_id)


@router.post("/{client_id}/restore", response_model=ClientRead)
async def restore_client(client_id: ClientId, principal: Manager, session: Transaction) -> Any:
    """Bring an archived client back."""
    return await service.restore_client(session, principal=principal, client_id=client_id)
