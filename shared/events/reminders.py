"""Events published by the reminders service (exchange negoce.reminders)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from shared.events.envelope import Event


class ReminderPayload(BaseModel):
    """The state of a reminder after the change the event announces."""

    reminder_id: int
    client_id: int
    version: int
    due_at: datetime
    text: str
    assigned_user: str
    done_at: datetime | None = None
    by_user: str | None = None


class ReminderCreated(Event):
    """A reminder about a client was created."""

    TYPE = "reminder.created"
    type: Literal["reminder.created"] = "reminder.created"
    payload: ReminderPayload


class ReminderUpdated(Event):
    """A reminder's text, due time or assignee changed (edit, reschedule, snooze)."""

    TYPE = "reminder.updated"
    type: Literal["reminder.updated"] = "reminder.updated"
    payload: ReminderPayload


class ReminderDone(Event):
    """A reminder was marked done."""

    TYPE = "reminder.done"
    type: Literal["reminder.done"] = "reminder.done"
    payload: ReminderPayload


class ReminderDue(Event):
    """A reminder's due time came; it fired once."""

    TYPE = "reminder.due"
    type: Literal["reminder.due"] = "reminder.due"
    payload: ReminderPayload


class ReminderDeleted(Event):
    """A reminder was deleted."""

    TYPE = "reminder.deleted"
    type: Literal["reminder.deleted"] = "reminder.deleted"
    payload: ReminderPayload


REMINDER_EVENTS: tuple[type[Event], ...] = (
    ReminderCreated,
    ReminderUpdated,
    ReminderDone,
    ReminderDue,
    ReminderDeleted,
)
