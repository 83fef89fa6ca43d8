"""Firing reminders: reminder.due, a feed entry and the e-mail's request, in the caller's transaction.

Exactly once comes from the database, not from Celery: the rows are claimed and marked fired
by the same transaction that writes the events and the notification. If the worker dies before
the commit, nothing of it exists and the rows are claimable again. The e-mail itself is the
mailings service's job (the only one speaking SMTP): reminder.email_requested leaves through the
outbox with reminder.due, and mailings delivers it at least once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders import repository as repo
from services.reminders.domain import DEFAULT_TIMEZONE, email_text, local, payload
from services.reminders.models import Reminder, outbox
from shared.events.envelope import Event, new_event
from shared.events.reminders import ReminderDue, ReminderEmailRequested, ReminderEmailRequestedPayload
from shared.outbox import add_events


async def fire(session: AsyncSession, reminders: Sequence[Reminder]) -> None:
    """Announce fired reminders: reminder.due, a feed entry, and reminder.email_requested given an address."""
    if not reminders:
        return
    emails = await repo.user_emails(session, keys={(r.account_id, r.assigned_user) for r in reminders})
    zones = await repo.account_timezones(session, account_ids=[r.account_id for r in reminders])
    names = await repo.client_names(session, keys={(r.account_id, r.client_id) for r in reminders})
    notification_ids = await repo.add_notifications(
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
    events: list[Event] = [
        new_event(ReminderDue, account_id=r.account_id, payload=payload(r), correlation_id=f"reminder-{r.id}")
        for r in reminders
    ]
    for reminder, notification_id in zip(reminders, notification_ids, strict=True):
        address = emails.get((reminder.account_id, reminder.assigned_user))
        if address is None:
            continue  # the user gave no address: the feed is their only notification
        tz = ZoneInfo(zones.get(reminder.account_id, DEFAULT_TIMEZONE))
        subject, text = email_text(
            client_name=names.get((reminder.account_id, reminder.client_id), ""),
            client_id=reminder.client_id,
            text=reminder.text,
            due_local=local(reminder.due_at, tz),
        )
        request = ReminderEmailRequestedPayload(
            notification_id=notification_id,
            reminder_id=reminder.id,
            client_id=reminder.client_id,
            user_id=reminder.assigned_user,
            to_address=address,
            subject=subject,
            body=text,
        )
        events.append(
            new_event(
                ReminderEmailRequested,
                account_id=reminder.account_id,
                payload=request,
                correlation_id=f"reminder-{reminder.id}",
            )
        )
    await add_events(session, outbox, events)


async def fire_due(session: AsyncSession, *, limit: int, hold_seconds: float = 0.0) -> int:
    """Claim up to ``limit`` due reminders and fire them; returns how many fired."""
    reminders = await repo.claim_due(session, limit=limit)
    if reminders and hold_seconds > 0:
        # Fault injection (crash tests): keep the claimed rows locked, uncommitted, for a while.
        await asyncio.sleep(hold_seconds)
    await fire(session, reminders)
    return len(reminders)
