"""Firing reminders: reminder.due, a feed entry and an e-mail intent, in the caller's transaction.

Exactly once comes from the database, not from Celery: the rows are claimed and marked fired
by the same transaction that writes the event, the notification and the e-mail intent. If the
worker dies before the commit, nothing of it exists and the rows are claimable again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders import repository as repo
from services.reminders.domain import DEFAULT_TIMEZONE, email_text, local, payload
from services.reminders.models import Reminder, outbox
from shared.events.envelope import new_event
from shared.events.reminders import ReminderDue
from shared.outbox import add_events


async def fire(session: AsyncSession, reminders: Sequence[Reminder]) -> None:
    """Announce reminders already marked fired: one event, feed entry and e-mail intent each."""
    if not reminders:
        return
    emails = await repo.user_emails(session, keys={(r.account_id, r.assigned_user) for r in reminders})
    zones = await repo.account_timezones(session, account_ids=[r.account_id for r in reminders])
    names = await repo.client_names(session, keys={(r.account_id, r.client_id) for r in reminders})
    await add_events(
        session,
        outbox,
        [
            new_event(ReminderDue, account_id=r.account_id, payload=payload(r), correlation_id=f"reminder-{r.id}")
            for r in reminders
        ],
    )
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
    intents = []
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
        intents.append(
            {
                "account_id": reminder.account_id,
                "notification_id": notification_id,
                "to_address": address,
                "subject": subject,
                "body": text,
            }
        )
    await repo.add_emails(session, rows=intents)


async def fire_due(session: AsyncSession, *, limit: int, hold_seconds: float = 0.0) -> int:
    """Claim up to ``limit`` due reminders and fire them; returns how many fired."""
    reminders = await repo.claim_due(session, limit=limit)
    if reminders and hold_seconds > 0:
        # Fault injection (crash tests): keep the claimed rows locked, uncommitted, for a while.
        await asyncio.sleep(hold_seconds)
    await fire(session, reminders)
    return len(reminders)
