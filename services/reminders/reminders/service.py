"""Use cases of a reminder's life: create, read, list, edit, reschedule, snooze, mark done, delete.

A reminder whose client is unknown to this service, belongs to another account or was deleted
answers 404 with ``errors[0].field == "client_id"``; a merged client answers 409 with
``reason == "client_merged"`` and the ``kept_client_id`` to use instead; an erased client's
reminders keep their dates, but no text may be written for it again (409, ``client_erased``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.accounts.domain import local_day, to_utc
from services.reminders.accounts.service import account_zone, require_assignee
from services.reminders.client_replica.service import refuse_erased_text, reminder_client
from services.reminders.firing.service import fire
from services.reminders.models import Reminder, outbox
from services.reminders.reminders import repository as repo
from services.reminders.reminders.domain import body, payload
from services.reminders.reminders.schemas import ReminderCreate, ReminderEdit
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound
from shared.events.envelope import Event
from shared.events.reminders import ReminderCreated, ReminderDeleted, ReminderDone, ReminderUpdated
from shared.outbox import add_event
from shared.schemas import cursor_id, cursor_moment


def _instant(value: datetime, tz: ZoneInfo) -> datetime:
    try:
        return to_utc(value, tz)
    except ValueError as exc:
        raise InvalidField("due_at", str(exc)) from exc


async def _announce(session: AsyncSession, reminder: Reminder, event: type[Event], by_user: str | None) -> None:
    await add_event(session, outbox, event, account_id=reminder.account_id, payload=payload(reminder, by_user=by_user))


async def _schedule(session: AsyncSession, reminder: Reminder, due_at: datetime) -> None:
    """Set the due time; a time already past fires now, in this transaction."""
    now = datetime.now(UTC)
    reminder.due_at = due_at
    reminder.fired_at = now if due_at <= now else None
    await session.flush()
    if reminder.fired_at is not None:
        await fire(session, [reminder])


async def _view(session: AsyncSession, reminder: Reminder) -> dict[str, Any]:
    tz = await account_zone(session, account_id=reminder.account_id)
    return body(reminder, tz=tz, today=local_day(datetime.now(UTC), tz))


async def _load(session: AsyncSession, *, principal: Principal, reminder_id: int, pending: bool = False) -> Reminder:
    reminder = await repo.get_reminder(
        session, account_id=principal.account_id, reminder_id=reminder_id, for_update=True
    )
    if reminder is None:
        raise NotFound(f"Reminder {reminder_id} does not exist.")
    if pending and reminder.done_at is not None:
        raise Conflict(f"Reminder {reminder_id} is done.", extra={"reason": "reminder_done"})
    return reminder


async def create_reminder(session: AsyncSession, *, principal: Principal, data: ReminderCreate) -> dict[str, Any]:
    """Create a reminder for a live client of the account; one already due fires at once."""
    tz = await account_zone(session, account_id=principal.account_id)
    due_at = _instant(data.due_at, tz)
    assignee = data.assigned_user or principal.user_id
    await require_assignee(session, principal=principal, user_id=assignee)
    await reminder_client(session, account_id=principal.account_id, client_id=data.client_id)
    reminder = Reminder(
        account_id=principal.account_id,
        client_id=data.client_id,
        due_at=due_at,
        text=data.text,
        assigned_user=assignee,
        created_by=principal.user_id,
        version=1,
    )
    session.add(reminder)
    await session.flush()
    await _announce(session, reminder, ReminderCreated, principal.user_id)
    await _schedule(session, reminder, due_at)
    return await _view(session, reminder)


async def get_reminder(session: AsyncSession, *, principal: Principal, reminder_id: int) -> dict[str, Any]:
    """One reminder of the account."""
    reminder = await repo.get_reminder(session, account_id=principal.account_id, reminder_id=reminder_id)
    if reminder is None:
        raise NotFound(f"Reminder {reminder_id} does not exist.")
    return await _view(session, reminder)


def _cursor(value: str | None) -> tuple[datetime, int] | None:
    if value is None:
        return None
    due, _, last_id = value.rpartition("_")
    moment = cursor_moment(due)
    row_id = cursor_id(int(last_id)) if last_id.isascii() and last_id.isdigit() else None
    if moment is None or row_id is None:
        raise InvalidField("cursor", "not a cursor given by a previous page")
    return moment, row_id


async def list_reminders(
    session: AsyncSession,
    *,
    principal: Principal,
    status: str | None,
    client_id: int | None,
    assigned_user: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """Reminders in due order; due_today, overdue and upcoming follow the account's local day."""
    tz = await account_zone(session, account_id=principal.account_id)
    today = local_day(datetime.now(UTC), tz)
    rows = await repo.list_reminders(
        session,
        account_id=principal.account_id,
        status=status,
        today=today,
        client_id=client_id,
        assigned_user=assigned_user,
        after=_cursor(cursor),
        limit=limit,
    )
    next_cursor = f"{rows[-1].due_at.astimezone(UTC).isoformat()}_{rows[-1].id}" if len(rows) == limit else None
    return {"items": [body(r, tz=tz, today=today) for r in rows], "next_cursor": next_cursor}


async def edit_reminder(
    session: AsyncSession, *, principal: Principal, reminder_id: int, data: ReminderEdit
) -> dict[str, Any]:
    """Change the text, assignee or due time of a pending reminder (a new due time reschedules it)."""
    reminder = await _load(session, principal=principal, reminder_id=reminder_id, pending=True)
    due_at = (
        _instant(data.due_at, await account_zone(session, account_id=principal.account_id))
        if data.due_at is not None
        else None
    )
    if data.assigned_user is not None:
        await require_assignee(session, principal=principal, user_id=data.assigned_user)
        reminder.assigned_user = data.assigned_user
    if data.text is not None:
        # The reminder is locked: an erasure blanking it has committed (then this refuses) or will wait.
        await refuse_erased_text(session, account_id=reminder.account_id, client_id=reminder.client_id)
        reminder.text = data.text
    reminder.version += 1
    reminder.updated_at = datetime.now(UTC)
    await session.flush()
    await _announce(session, reminder, ReminderUpdated, principal.user_id)
    if due_at is not None:
        await _schedule(session, reminder, due_at)
    return await _view(session, reminder)


async def reschedule(
    session: AsyncSession, *, principal: Principal, reminder_id: int, due_at: datetime
) -> dict[str, Any]:
    """Move a pending reminder to a new due time; it fires again then."""
    return await edit_reminder(session, principal=principal, reminder_id=reminder_id, data=ReminderEdit(due_at=due_at))


async def snooze(session: AsyncSession, *, principal: Principal, reminder_id: int, minutes: int) -> dict[str, Any]:
    """Remind again ``minutes`` from now."""
    due_at = datetime.now(UTC) + timedelta(minutes=minutes)
    return await edit_reminder(session, principal=principal, reminder_id=reminder_id, data=ReminderEdit(due_at=due_at))


async def mark_done(session: AsyncSession, *, principal: Principal, reminder_id: int) -> dict[str, Any]:
    """Mark a reminder done; it will not fire any more (409 if it already is done)."""
    reminder = await _load(session, principal=principal, reminder_id=reminder_id, pending=True)
    reminder.done_at = datetime.now(UTC)
    reminder.done_by = principal.user_id
    reminder.version += 1
    reminder.updated_at = reminder.done_at
    await session.flush()
    await _announce(session, reminder, ReminderDone, principal.user_id)
    return await _view(session, reminder)


async def delete_reminder(session: AsyncSession, *, principal: Principal, reminder_id: int) -> None:
    """Delete a reminder with its notifications."""
    reminder = await _load(session, principal=principal, reminder_id=reminder_id)
    reminder.version += 1
    await _announce(session, reminder, ReminderDeleted, principal.user_id)
    await repo.delete_reminder(session, reminder=reminder)
