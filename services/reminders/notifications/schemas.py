"""Response bodies of the notification feed (pydantic)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NotificationRead(BaseModel):
    """A reminder that fired, in its assignee's feed."""

    id: int
    reminder_id: int
    client_id: int
    text: str
    due_at: datetime
    due_at_local: datetime
    created_at: datetime
    read_at: datetime | None
