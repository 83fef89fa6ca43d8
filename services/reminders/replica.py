"""The clients this service knows, and what their life does to reminders, from client events."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reminders import repository as repo
from services.reminders.domain import ERASED_TEXT, payload, without_text
from services.reminders.models import idempotency_keys, inbox, outbox
from shared.consumer import apply_once
from shared.events.clients import ClientCreated, ClientDeleted, ClientErased, ClientMerged, ClientUpdated
from shared.events.envelope import Event, new_event
from shared.events.reminders import ReminderUpdated
from shared.idempotency import forget_answers_about_client
from shared.outbox import add_events, erase_client_events

Sessions = async_sessionmaker[AsyncSession]


async def _once(
    sessions: Sessions, consumer: str, event: Event, effect: Callable[[AsyncSession], Awaitable[None]]
) -> bool:
    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def apply_snapshot(*, sessions: Sessions, consumer: str, event: ClientCreated | ClientUpdated) -> bool:
    """Know a created or edited client, so reminders may be set for it."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await repo.apply_client_snapshot(
            session, account_id=event.account_id, client_id=p.client_id, version=p.version, display_name=p.display_name
        )

    return await _once(sessions, consumer, event, effect)


async def apply_deleted(*, sessions: Sessions, consumer: str, event: ClientDeleted) -> bool:
    """A deleted client's reminders are deleted with their notifications; no new one is accepted."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await repo.mark_client(session, account_id=event.account_id, client_id=p.client_id, deleted=True)
        await repo.delete_client_reminders(session, account_id=event.account_id, client_id=p.client_id)

    return await _once(sessions, consumer, event, effect)


async def apply_merged(*, sessions: Sessions, consumer: str, event: ClientMerged) -> bool:
    """The merged client's reminders, pending and done, move to the kept client.

    Each moved pending reminder is announced (reminder.updated) so the clients timeline of the
    kept client shows it; done ones are history and move silently.
    """
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await repo.mark_client(
            session, account_id=event.account_id, client_id=p.merged_client_id, merged_into=p.kept_client_id
        )
        moved = await repo.move_client_reminders(
            session, account_id=event.account_id, from_client=p.merged_client_id, to_client=p.kept_client_id
        )
        kept = await repo.get_replica(session, account_id=event.account_id, client_id=p.kept_client_id)
        if kept is not None and kept.erased:
            # The kept client's erasure arrived first: the texts the merged client brings go too.
            await _erase(
                session,
                account_id=event.account_id,
                client_id=kept.client_id,
                version=kept.version,
                pseudonym=kept.display_name,
            )
            await erase_client_events(
                session, outbox, account_id=event.account_id, client_ids=[p.merged_client_id], redact=without_text
            )
            for reminder in moved:
                reminder.text = ERASED_TEXT
        await add_events(
            session,
            outbox,
            [
                new_event(
                    ReminderUpdated,
                    account_id=event.account_id,
                    payload=payload(r, by_user=p.by_user),
                    correlation_id=event.correlation_id,
                )
                for r in moved
                if r.done_at is None
            ],
        )

    return await _once(sessions, consumer, event, effect)


async def apply_erased(*, sessions: Sessions, consumer: str, event: ClientErased) -> bool:
    """An erased client's reminders keep their dates but lose their text (personal data)."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await _erase(
            session, account_id=event.account_id, client_id=p.client_id, version=p.version, pseudonym=p.pseudonym
        )

    return await _once(sessions, consumer, event, effect)


async def _erase(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, version: int, pseudonym: str) -> None:
    await repo.erase_client_texts(
        session, account_id=account_id, client_id=client_id, version=version, pseudonym=pseudonym, blank=ERASED_TEXT
    )
    # Events already relayed go; those not yet relayed leave without the text.
    await erase_client_events(session, outbox, account_id=account_id, client_ids=[client_id], redact=without_text)
    await forget_answers_about_client(session, idempotency_keys, account_id=account_id, client_id=client_id)
