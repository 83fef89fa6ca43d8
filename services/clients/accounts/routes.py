"""HTTP routes of the account's client-base settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.clients.accounts import service
from services.clients.accounts.schemas import AccountSettingsRead, AccountSettingsUpdate
from shared.auth import Owner, Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", route_class=IdempotentRoute)


@router.get("/settings", response_model=AccountSettingsRead, tags=["settings"])
async def get_settings(principal: Reader, session: Transaction) -> Any:
    """The account's client-base settings (name order, accounting prefix)."""
    return await service.get_settings(session, principal=principal)


@router.patch("/settings", response_model=AccountSettingsRead, tags=["settings"])
async def update_settings(body: AccountSettingsUpdate, principal: Owner, session: Transaction) -> Any:
    """Change the account's client-base settings."""
    return await service.update_settings(session, principal=principal, data=body)
