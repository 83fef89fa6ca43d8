"""Use cases around reminders: the account's time zone, the user directory and the notification feed."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders import repository as repo
from services.reminders.domain import DEFAULT_TIMEZONE, local
from services.reminders.models import Notification
from services.reminders.schemas import SettingsWrite, UserWrite
from shared.auth import Principal
from shared.errors import InvalidField, NotFound


async def account_zone(session: AsyncSession, *, account_id: uuid.UUID) -> ZoneInfo:
    """The zone the account's reminders are shown in (Europe/Paris until it chooses one)."""
    zones = await repo.account_timezones(session, account_ids=[account_id])
    return ZoneInfo(zones.get(account_id, DEFAULT_TIMEZONE))


async def get_settings(session: AsyncSession, *, principal: Principal) -> dict[str, Any]:
    """The account's reminder settings."""
    return {"timezone": (await account_zone(session, account_id=principal.account_id)).key}


async def save_settings(session: AsyncSession, *, principal: Principal, data: SettingsWrite) -> dict[str, Any]:
    """Choose the account's time zone."""
    await repo.save_timezone(session, account_id=principal.account_id, timezone=data.timezone)
    return {"timezone": data.timezone}


async def save_user(session: AsyncSession, *, principal: Principal, user_id: str, data: UserWrite) -> dict[str, Any]:
    """Add a user to the account's directory, or change their name and e-mail."""
    email = str(data.email) if data.email else None
    await repo.save_user(
        session, account_id=principal.account_id, user_id=user_id, display_name=data.display_name, email=email
    )
    return {"user_id": user_id, "display_name": data.display_name, "email": email}


async def list_users(session: AsyncSession, *, principal: Principal) -> list[dict[str, Any]]:
    """The users reminders may be assigned to."""
    return [
        {"user_id": u.user_id, "display_name": u.display_name, "email": u.email}
        for u in await repo.list_users(session, account_id=principal.account_id)
    ]


async def require_assignee(session: AsyncSession, *, principal: Principal, user_id: str) -> None:
    """422 on assigned_user unless the user is in the account's directory; the caller always is.

    A valid token names a user of the account, so the caller is entered under their id the first
    time they act here (their name and e-mail can be given later).
    """
    if user_id == principal.user_id:
        await repo.add_user_if_absent(session, account_id=principal.account_id, user_id=user_id)
    elif await repo.get_user(session, account_id=principal.account_id, user_id=user_id) is None:
        raise InvalidField(
            "assigned_user", f"unknown user {user_id!r}: add them with PUT /api/reminders/users/{{user_id}} first"
        )


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
