"""Request and response bodies of the reminder API (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from services.reminders.accounts.schemas import UserId
from services.reminders.models import TEXT_MAX
from shared.schemas import DateTime, StrictBody

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
ReminderText = Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
DueAt = Annotated[DateTime, Field(description="ISO 8601; with an offset, or the account's local time without one")]


class ReminderCreate(StrictBody):
    """A reminder to create; the assignee defaults to the caller."""

    multiline = frozenset({"text"})

    client_id: Id
    due_at: DueAt
    text: ReminderText
    assigned_user: UserId | None = None


class ReminderEdit(StrictBody):
    """Fields of a pending reminder to change; a new due time reschedules it."""

    multiline = frozenset({"text"})

    text: ReminderText | None = None
    due_at: DueAt | None = None
    assigned_user: UserId | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ReminderEdit:
        if self.text is None and self.due_at is None and self.assigned_user is None:
            raise ValueError("give at least one of text, due_at, assigned_user")
        return self


class Reschedule(StrictBody):
    """The new due time of a reminder."""

    due_at: DueAt


class Snooze(StrictBody):
    """Remind again this many minutes from now."""

    minutes: Annotated[int, Field(ge=1, le=60 * 24 * 30)] = 15


class ReminderRead(BaseModel):
    """A reminder: its due time in UTC and as the account's local time with the offset."""

    id: int
    client_id: int
    text: str
    due_at: datetime
    due_at_local: datetime
    timezone: str
    assigned_user: str
    created_by: str
    status: Literal["due_today", "overdue", "upcoming", "done"]
    fired_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    version: int


class ReminderPage(BaseModel):
    """A page of reminders in due order; pass next_cursor as cursor for the next one."""

    items: list[ReminderRead]
    next_cursor: str | None
