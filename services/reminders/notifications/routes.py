"""HTTP routes of the notification feed: the caller's fired reminders, and marking one read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.reminders.notifications import service
from services.reminders.notifications.schemas import NotificationRead
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/reminders", tags=["reminders"], route_class=IdempotentRoute)


@router.get("/notifications", response_model=list[NotificationRead])
async def notifications(
    principal: Reader,
    session: Transaction,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The caller's notifications of fired reminders, newest first (only unread ones with unread=true)."""
    return await service.notifications(session, principal=principal, unread=unread, limit=limit)


@router.post("/notifications/{notification_id}/read", response_model=NotificationRead)
async def mark_read(
    notification_id: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: Staff, session: Transaction
) -> Any:
    """Mark one of the caller's notifications read."""
    return await service.mark_read(session, principal=principal, notification_id=notification_id)
