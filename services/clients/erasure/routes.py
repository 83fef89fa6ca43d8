"""HTTP route of erasing a client's personal data (GDPR)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from services.clients.base.schemas import ClientRead
from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.erasure import service
from shared.auth import Owner
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", tags=["clients"], route_class=IdempotentRoute)
ClientId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Client id")]


@router.post("/{client_id}/erase", response_model=ClientRead)
async def erase_client(client_id: ClientId, principal: Owner, session: Transaction) -> Any:
    """Erase a client's personal data in every service; its documents stay under a pseudonym (GDPR).

    A client merged into another can be erased too; erasing a client erases those merged into it.
    """
    return await service.erase_client(session, principal=principal, client_id=client_id)
