"""HTTP routes of the account's side of reminders: its time zone and the user directory."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from services.reminders.accounts import service
from services.reminders.accounts.schemas import SettingsRead, SettingsWrite, UserRead, UserWrite
from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/reminders", tags=["reminders"], route_class=IdempotentRoute)
UserPath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\s/]+$")]


@router.get("/settings", response_model=SettingsRead)
async def get_settings(principal: CurrentPrincipal, session: Transaction) -> Any:
    """The account's time zone (Europe/Paris until one is chosen)."""
    return await service.get_settings(session, principal=principal)


@router.put("/settings", response_model=SettingsRead)
async def put_settings(body: SettingsWrite, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Choose the time zone reminders are shown and counted in (an IANA name; 422 on timezone otherwise)."""
    return await service.save_settings(session, principal=principal, data=body)


@router.get("/users", response_model=list[UserRead])
async def list_users(principal: CurrentPrincipal, session: Transaction) -> Any:
    """The users reminders may be assigned to."""
    return await service.list_users(session, principal=principal)


@router.put("/users/{user_id}", response_model=UserRead)
async def put_user(user_id: UserPath, body: UserWrite, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Add a user to the directory (the token's user id) or change their name and notification e-mail."""
    return await service.save_user(session, principal=principal, user_id=user_id, data=body)
