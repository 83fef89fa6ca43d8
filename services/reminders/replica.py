"""The clients this service knows, and what their life does to reminders, from client events.

The replica itself (versioned upserts, merge chain, final states) is the shared client replica;
the hooks below delete, move or blank the reminders of a deleted, merged or erased client.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reminders import repository as repo
from services.reminders.domain import ERASED_TEXT, payload, without_text
from services.reminders.models import idempotency_keys, inbox, outbox
from shared.client_replica import ClientReplica as Replica
from shared.client_replica import Merge
from shared.events.clients import ClientCreated, ClientDeleted, ClientErased, ClientMerged, ClientUpdated
from shared.events.envelope import new_event
from shared.events.reminders import ReminderUpdated
from shared.idempotency import forget_answers_about_client
from shared.outbox import add_events, erase_client_events

Sessions = async_sessionmaker[AsyncSession]


async def _delete_reminders(session: AsyncSession, event: ClientDeleted) -> None:
    """A deleted client's reminders go with their notifications."""
    await repo.delete_client_reminders(session, account_id=event.account_id, client_id=event.payload.client_id)


async def _move_reminders(session: AsyncSession, event: ClientMerged, merge: Merge) -> None:
    """The merged client's reminders, pending and done, move to the kept client.

    Each moved pending reminder is announced (reminder.updated) so the clients timeline of the
    kept client shows it; done ones are history and move silently.
    """
    moved = await repo.move_client_reminders(
        session, account_id=merge.account_id, from_client=merge.merged_client_id, to_client=merge.kept_client_id
    )
    if merge.kept_erased_as is not None:
        # The kept client's erasure arrived first: the texts the merged client brings go too.
        await _erase_texts(
            session, account_id=merge.account_id, client_id=merge.kept_client_id, pseudonym=merge.kept_erased_as
        )
        await erase_client_events(
            session, outbox, account_id=merge.account_id, client_ids=[merge.merged_client_id], redact=without_text
        )
        for reminder in moved:
            reminder.text = ERASED_TEXT
    await add_events(
        session,
        outbox,
        [
            new_event(
                ReminderUpdated,
                account_id=merge.account_id,
                payload=payload(r, by_user=event.payload.by_user),
                correlation_id=event.correlation_id,
            )
            for r in moved
            if r.done_at is None
        ],
    )


async def _erase_reminders(session: AsyncSession, event: ClientErased) -> None:
    """An erased client's reminders keep their dates but lose their text (personal data)."""
    p = event.payload
    await _erase_texts(session, account_id=event.account_id, client_id=p.client_id, pseudonym=p.pseudonym)


async def _erase_texts(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, pseudonym: str) -> None:
    await repo.erase_client_texts(
        session, account_id=account_id, client_id=client_id, pseudonym=pseudonym, blank=ERASED_TEXT
    )
    # Events already relayed go; those not yet relayed leave without the text.
    await erase_client_events(session, outbox, account_id=account_id, client_ids=[client_id], redact=without_text)
    await forget_answers_about_client(session, idempotency_keys, account_id=account_id, client_id=client_id)


# The replica's row is written (and locked) before the hooks run: a reminder being created for the
# client holds it (share lock) and commits before its text is blanked, or waits and is refused.
REPLICA = Replica(
    table=repo.CLIENTS, inbox=inbox, on_deleted=_delete_reminders, on_merged=_move_reminders, on_erased=_erase_reminders
)


async def apply_snapshot(*, sessions: Sessions, consumer: str, event: ClientCreated | ClientUpdated) -> bool:
    """Know a created or edited client, so reminders may be set for it."""
    return await REPLICA.apply_snapshot(sessions=sessions, consumer=consumer, event=event)


async def apply_deleted(*, sessions: Sessions, consumer: str, event: ClientDeleted) -> bool:
    """A deleted client's reminders are deleted with their notifications; no new one is accepted."""
    return await REPLICA.apply_deleted(sessions=sessions, consumer=consumer, event=event)


async def apply_merged(*, sessions: Sessions, consumer: str, event: ClientMerged) -> bool:
    """The merged client's reminders move to the kept client, which new reminders must use."""
    return await REPLICA.apply_merged(sessions=sessions, consumer=consumer, event=event)


async def apply_erased(*, sessions: Sessions, consumer: str, event: ClientErased) -> bool:
    """An erased client's reminders keep their dates but lose their text; no text may be written again."""
    return await REPLICA.apply_erased(sessions=sessions, consumer=consumer, event=event)
