"""HTTP routes around reminders: the account's time zone, the user directory, the notification feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.reminders import account_service
from services.reminders.schemas import NotificationRead, SettingsRead, SettingsWrite, UserRead, UserWrite
from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/reminders", tags=["reminders"], route_class=IdempotentRoute)
UserPath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\s/]+$")]


@router.get("/settings", response_model=SettingsRead)
async def get_settings(principal: CurrentPrincipal, session: Transaction) -> Any:
    """The account's time zone (Europe/Paris until one is chosen)."""
    return await account_service.get_settings(session, principal=principal)


@router.put("/settings", response_model=SettingsRead)
async def put_settings(body: SettingsWrite, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Choose the time zone reminders are shown and counted in (an IANA name; 422 on timezone otherwise)."""
    return await account_service.save_settings(session, principal=principal, data=body)


@router.get("/users", response_model=list[UserRead])
async def list_users(principal: CurrentPrincipal, session: Transaction) -> Any:
    """The users reminders may be assigned to."""
    return await account_service.list_users(session, principal=principal)


@router.put("/users/{user_id}", response_model=UserRead)
async def put_user(user_id: UserPath, body: UserWrite, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Add a user to the directory (the token's user id) or change their name and notification e-mail."""
    return await account_service.save_user(session, principal=principal, user_id=user_id, data=body)


@router.get("/notifications", response_model=list[NotificationRead])
async def notifications(
    principal: CurrentPrincipal,
    session: Transaction,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The caller's notifications of fired reminders, newest first (only unread ones with unread=true)."""
    return await account_service.notifications(session, principal=principal, unread=unread, limit=limit)


@router.post("/notifications/{notification_id}/read", response_model=NotificationRead)
async def mark_read(
    notification_id: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: CurrentPrincipal, session: Transaction
) -> Any:
    """Mark one of the caller's notifications read."""
    return await account_service.mark_read(session, principal=principal, notification_id=notification_id)
