"""HTTP routes of the account's side of reminders: its time zone and the user directory."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.reminders.accounts import service
from services.reminders.accounts.schemas import SettingsRead, SettingsWrite, UserRead
from shared.auth import Owner, Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/reminders", tags=["reminders"], route_class=IdempotentRoute)


@router.get("/settings", response_model=SettingsRead)
async def get_settings(principal: Reader, session: Transaction) -> Any:
    """The account's time zone (Europe/Paris until one is chosen)."""
    return await service.get_settings(session, principal=principal)


@router.put("/settings", response_model=SettingsRead)
async def put_settings(body: SettingsWrite, principal: Owner, session: Transaction) -> Any:
    """Choose the time zone reminders are shown and counted in (an IANA name; 422 on timezone otherwise)."""
    return await service.save_settings(session, principal=principal, data=body)


@router.get("/users", response_model=list[UserRead])
async def list_users(principal: Reader, session: Transaction) -> Any:
    """The users reminders may be assigned to: the account's active users (identity manages them)."""
    return await service.list_users(session, principal=principal)
