"""Rules of reminders that need no database: time zones, local days, statuses and payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from services.reminders.models import Reminder
from shared.events.reminders import ReminderEmailRequested, ReminderPayload
from shared.text import one_line

Status = Literal["due_today", "overdue", "upcoming", "done"]
ERASED_TEXT = ""
DEFAULT_TIMEZONE = "Europe/Paris"


def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; ValueError when zoneinfo does not know it."""
    # available_timezones() keeps out names such as "localtime" that ZoneInfo would also accept.
    if name not in available_timezones():
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Paris)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def to_utc(value: datetime, tz: ZoneInfo) -> datetime:
    """An instant in UTC; a time without offset is read as the account's local time.

    A local time that does not exist (the hour skipped when clocks go forward) is refused; a
    local time that happens twice (clocks go back) is the first of the two, as zoneinfo's
    fold=0 reads it.
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    local = value.replace(tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != value:
        raise ValueError(f"{value.isoformat()} does not exist in {tz.key} (clocks go forward at that hour)")
    return instant


def local(value: datetime, tz: ZoneInfo) -> datetime:
    """The same instant as wall-clock time of the zone, with its offset."""
    return value.astimezone(tz)


def local_day(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start of today and of tomorrow in the zone, as UTC instants (23 or 25 hours apart on DST days)."""
    today = now.astimezone(tz).date()
    start = datetime(today.year, today.month, today.day, tzinfo=tz)
    tomorrow = today + timedelta(days=1)
    end = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


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


def without_text(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A reminder event's payload as an erasure leaves it: the text and the client's name, personal data, go."""
    if kind == ReminderEmailRequested.TYPE:
        # Still delivered (the user is told a reminder is due), naming the client by its number only.
        subject = email_subject(who(client_name="", client_id=payload["client_id"]))
        return {**payload, "subject": subject, "body": ERASED_TEXT}
    return {**payload, "text": ERASED_TEXT} if kind.startswith("reminder.") and "text" in payload else payload


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


def who(*, client_name: str, client_id: int) -> str:
    """How a notification e-mail names the client: its name on one line, else its number."""
    # The name becomes a header: one line, whatever a client record accepted before names were checked.
    return one_line(client_name) or f"client {client_id}"


def email_subject(client: str) -> str:
    """The subject of a notification e-mail about this client (as ``who`` names it)."""
    return f"Rappel : {client}"


def email_text(*, client_name: str, client_id: int, text: str, due_local: datetime) -> tuple[str, str]:
    """Subject and body of the e-mail that tells the assigned user a reminder is due."""
    client = who(client_name=client_name, client_id=client_id)
    when = due_local.strftime("%d/%m/%Y %H:%M %Z")
    return email_subject(client), f"Rappel du {when} pour {client} (n° {client_id}) :\n\n{text}\n"
