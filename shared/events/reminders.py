"""Events published by the reminders service (exchange negoce.reminders)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

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


class ReminderEmailRequestedPayload(BaseModel):
    """The notification e-mail of one firing, written by reminders, delivered by mailings."""

    notification_id: int = Field(description="The feed entry the e-mail announces; one e-mail per entry")
    reminder_id: int
    client_id: int = Field(description="The client the reminder is about (its deletion or erasure reaches the e-mail)")
    user_id: str = Field(description="The assigned user the e-mail goes to")
    to_address: str = Field(description="The user's address, as the reminders directory holds it")
    subject: str = Field(description="One line, ready to be a header")
    body: str


class ReminderEmailRequested(Event):
    """A reminder fired for a user with an e-mail address: the mailings service is asked to e-mail them."""

    TYPE = "reminder.email_requested"
    type: Literal["reminder.email_requested"] = "reminder.email_requested"
    payload: ReminderEmailRequestedPayload


REMINDER_EVENTS: tuple[type[Event], ...] = (
    ReminderCreated,
    ReminderUpdated,
    ReminderDone,
    ReminderDue,
    ReminderDeleted,
    ReminderEmailRequested,
)
