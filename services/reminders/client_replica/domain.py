"""Rules of a client's erasure for reminders that need no database: what its reminder events keep."""

from __future__ import annotations

from typing import Any

from services.reminders.firing.domain import email_subject, who
from shared.events.reminders import ReminderEmailRequested

ERASED_TEXT = ""


def without_text(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A reminder event's payload as an erasure leaves it: the text and the client's name, personal data, go."""
    if kind == ReminderEmailRequested.TYPE:
        # Still delivered (the user is told a reminder is due), naming the client by its number only.
        subject = email_subject(who(client_name="", client_id=payload["client_id"]))
        return {**payload, "subject": subject, "body": ERASED_TEXT}
    return {**payload, "text": ERASED_TEXT} if kind.startswith("reminder.") and "text" in payload else payload
