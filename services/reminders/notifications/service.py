"""Use cases of the notification feed: write the entries of fired reminders, list them, mark one read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.accounts.domain import local
from services.reminders.accounts.service import account_zone
from services.reminders.models import Notification, Reminder
from services.reminders.notifications import repository as repo
from shared.auth import Principal
from shared.errors import NotFound


def _notification_body(notification: Notification, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": notification.id,
        "reminder_id": notification.reminder_id,
        "client_id": notification.client_id,
        "text": notification.text,
        "due_at": notification.due_at,
        "due_at_local": local(notification.due_at, tz),
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


async def add_for_fired(session: AsyncSession, *, reminders: Sequence[Reminder]) -> list[int]:
    """Put each fired reminder in its assignee's feed; returns the entries' ids in the reminders' order."""
    return await repo.add_notifications(
        session,
        rows=[
            {
                "account_id": r.account_id,
                "user_id": r.assigned_user,
                "reminder_id": r.id,
                "client_id": r.client_id,
                "due_at": r.due_at,
                "text": r.text,
            }
            for r in reminders
        ],
    )


async def notifications(
    session: AsyncSession, *, principal: Principal, unread: bool, limit: int
) -> list[dict[str, Any]]:
    """The caller's notification feed, newest first."""
    tz = await account_zone(session, account_id=principal.account_id)
    rows = await repo.list_notifications(
        session, account_id=principal.account_id, user_id=principal.user_id, unread=unread, limit=limit
    )
    return [_notification_body(n, tz) for n in rows]


async def mark_read(session: AsyncSession, *, principal: Principal, notification_id: int) -> dict[str, Any]:
    """Mark one of the caller's notifications read; another user's answers 404."""
    notification = await repo.mark_read(
        session, account_id=principal.account_id, user_id=principal.user_id, notification_id=notification_id
    )
    if notification is None:
        raise NotFound(f"Notification {notification_id} does not exist.")
    return _notification_body(notification, await account_zone(session, account_id=principal.account_id))
