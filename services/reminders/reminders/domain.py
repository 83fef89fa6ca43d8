"""Rules of reminders that need no database: statuses, event payloads and the API's view."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from services.reminders.accounts.domain import local
from services.reminders.models import Reminder
from shared.events.reminders import ReminderPayload

Status = Literal["due_today", "overdue", "upcoming", "done"]


def status_of(reminder: Reminder, *, today: tuple[datetime, datetime]) -> Status:
    """Which list a reminder falls in: done, overdue (before today), due today, or upcoming."""
    if reminder.done_at is not None:
        return "done"
    if reminder.due_at < today[0]:
        return "overdue"
    if reminder.due_at < today[1]:
        return "due_today"
    return "upcoming"


def payload(reminder: Reminder, *, by_user: str | None = None) -> ReminderPayload:
    """A reminder as its events carry it."""
    return ReminderPayload(
        reminder_id=reminder.id,
        client_id=reminder.client_id,
        version=reminder.version,
        due_at=reminder.due_at,
        text=reminder.text,
        assigned_user=reminder.assigned_user,
        done_at=reminder.done_at,
        by_user=by_user,
    )


def body(reminder: Reminder, *, tz: ZoneInfo, today: tuple[datetime, datetime]) -> dict[str, Any]:
    """A reminder for the API: the instant in UTC and as the account's wall-clock time."""
    return {
        "id": reminder.id,
        "client_id": reminder.client_id,
        "text": reminder.text,
        "due_at": reminder.due_at.astimezone(UTC),
        "due_at_local": local(reminder.due_at, tz),
        "timezone": tz.key,
        "assigned_user": reminder.assigned_user,
        "created_by": reminder.created_by,
        "status": status_of(reminder, today=today),
        "fired_at": reminder.fired_at,
        "done_at": reminder.done_at,
        "done_by": reminder.done_by,
        "version": reminder.version,
    }
