"""Firing reminders: reminder.due, a feed entry and the e-mail's request, in the caller's transaction.

Exactly once comes from the database, not from Celery: the rows are claimed and marked fired
by the same transaction that writes the events and the notification. If the worker dies before
the commit, nothing of it exists and the rows are claimable again. The e-mail itself is the
mailings service's job (the only one speaking SMTP): reminder.email_requested leaves through the
outbox with reminder.due, and mailings delivers it at least once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.accounts import service as accounts
from services.reminders.accounts.domain import local
from services.reminders.client_replica import service as client_replica
from services.reminders.firing import repository as repo
from services.reminders.firing.domain import email_text
from services.reminders.models import Reminder, outbox
from services.reminders.notifications import service as notifications
from services.reminders.reminders.domain import payload
from shared.events.envelope import Event, new_event
from shared.events.reminders import ReminderDue, ReminderEmailRequested, ReminderEmailRequestedPayload
from shared.observability.metrics import REMINDER_LATENESS
from shared.observability.tracing import tracer
from shared.outbox import add_events

log = logging.getLogger(__name__)


async def fire(session: AsyncSession, reminders: Sequence[Reminder]) -> None:
    """Announce fired reminders: reminder.due, a feed entry, and reminder.email_requested given an address."""
    if not reminders:
        return
    emails = await accounts.user_emails(session, keys={(r.account_id, r.assigned_user) for r in reminders})
    zones = await accounts.account_zones(session, account_ids=[r.account_id for r in reminders])
    names = await client_replica.client_names(session, keys={(r.account_id, r.client_id) for r in reminders})
    notification_ids = await notifications.add_for_fired(session, reminders=reminders)
    events: list[Event] = [
        new_event(ReminderDue, account_id=r.account_id, payload=payload(r), correlation_id=f"reminder-{r.id}")
        for r in reminders
    ]
    for reminder, notification_id in zip(reminders, notification_ids, strict=True):
        address = emails.get((reminder.account_id, reminder.assigned_user))
        if address is None:
            continue  # the user gave no address: the feed is their only notification
        subject, text = email_text(
            client_name=names.get((reminder.account_id, reminder.client_id), ""),
            client_id=reminder.client_id,
            text=reminder.text,
            due_local=local(reminder.due_at, zones[reminder.account_id]),
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
    """Claim up to ``limit`` due reminders and fire them; returns how many fired.

    A trace starts only once something is due: two ticks a second that find nothing make none, and
    the events written carry this span's traceparent to their consumers.
    """
    reminders = await repo.claim_due(session, limit=limit)
    if not reminders:
        return 0
    with tracer.start_as_current_span("fire due reminders", attributes={"negoce.reminders": len(reminders)}):
        log.info("firing %d due reminders", len(reminders))
        if hold_seconds > 0:
            # Fault injection (crash tests): keep the claimed rows locked, uncommitted, for a while.
            await asyncio.sleep(hold_seconds)
        await fire(session, reminders)
    # Observed before the caller commits: a firing rolled back by a crash is counted, and fires again later.
    for reminder in reminders:
        if reminder.fired_at is not None:
            REMINDER_LATENESS.observe(max((reminder.fired_at - reminder.due_at).total_seconds(), 0.0))
    return len(reminders)
