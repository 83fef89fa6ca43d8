"""Timeline lines from the reminders and mailings services' events: reminders, e-mails and paper mailings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.clients.base import repository
from services.clients.merging.service import forward_merged
from services.clients.models import access_tables, inbox
from services.clients.timeline import domain as timeline_text
from services.clients.timeline import service as timeline
from services.clients.timeline.domain import NewEntry
from shared.access import repository as access_repository
from shared.consumer import apply_once
from shared.events.envelope import Event
from shared.events.mailings import EmailFailed, EmailSent, MailingRendered
from shared.events.reminders import ReminderCreated, ReminderDeleted, ReminderDone, ReminderDue

Sessions = async_sessionmaker[AsyncSession]


async def note_reminder(
    *, sessions: Sessions, consumer: str, event: ReminderCreated | ReminderDue | ReminderDone | ReminderDeleted
) -> bool:
    """A reminder created, come due, done or deleted shows on its client's timeline."""
    p = event.payload
    when = {ReminderDue.TYPE: p.due_at, ReminderDone.TYPE: p.done_at}.get(event.type) or event.occurred_at
    assignee = await _user_name(sessions, p.assigned_user)
    text = timeline_text.reminder_text(event.type, text=p.text, assigned_user=assignee)
    return await _note(
        sessions=sessions,
        consumer=consumer,
        event=event,
        client_ids=[p.client_id],
        occurred_at=when,
        text=text,
        object_type="reminder",
        object_id=p.reminder_id,
        personal=True,
    )


async def _user_name(sessions: Sessions, user: str) -> str:
    # Reminders name the assignee by id; the timeline is read by people, who know each other by name.
    try:
        user_id = uuid.UUID(user)
    except ValueError:
        return user
    async with sessions() as session:
        known = await access_repository.get_user(session, access_tables, user_id=user_id)
    return known.name if known is not None and known.name else user


async def note_email(*, sessions: Sessions, consumer: str, event: EmailSent | EmailFailed) -> bool:
    """An e-mail sent to the client, or given up on, shows on its timeline."""
    p = event.payload
    text = timeline_text.email_text(event.type, subject=p.subject, recipients=p.recipients, error=p.error)
    return await _note(
        sessions=sessions,
        consumer=consumer,
        event=event,
        client_ids=[p.client_id],
        occurred_at=p.sent_at or event.occurred_at,
        text=text,
        object_type="email",
        object_id=p.email_id,
        personal=True,
    )


async def note_mailing(*, sessions: Sessions, consumer: str, event: MailingRendered) -> bool:
    """'Paper mailing printed' on the timeline of each recipient of the campaign."""
    p = event.payload
    return await _note(
        sessions=sessions,
        consumer=consumer,
        event=event,
        client_ids=p.client_ids,
        occurred_at=p.rendered_at,
        text=timeline_text.mailing_text(name=p.name),
        object_type="mailing",
        object_id=p.campaign_id,
    )


async def _note(
    *,
    sessions: Sessions,
    consumer: str,
    event: Event,
    client_ids: Sequence[int],
    occurred_at: datetime,
    text: str,
    object_type: str,
    object_id: int,
    personal: bool = False,
) -> bool:
    async def effect(session: AsyncSession) -> None:
        # Only the event's account's clients get a line; a merged client's line moves to the survivor.
        known = await repository.lock_clients(session, account_id=event.account_id, client_ids=client_ids)
        if personal:
            # An event sent before an erasure may arrive after it: its text must not bring the data back.
            known -= await repository.erased_among(session, account_id=event.account_id, client_ids=known)
        await timeline.add_entries(
            session,
            [
                NewEntry(
                    account_id=event.account_id,
                    client_id=client_id,
                    occurred_at=occurred_at,
                    kind=event.type,
                    text=text,
                    object_type=object_type,
                    object_id=object_id,
                    amount_cents=None,
                    source_event_id=event.event_id,
                )
                for client_id in sorted(known)
            ],
        )
        await forward_merged(session, account_id=event.account_id, client_ids=known)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)
