"""The clients this service knows, and what their life does to reminders, from client events.

The replica itself (versioned upserts, merge chain, final states, the known/closed checks) is the
shared client replica; the hooks below delete, move or blank the reminders of a deleted, merged or
erased client, and the checks name the request field a refusal is about, as the reminders API does.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reminders.client_replica import repository as repo
from services.reminders.client_replica.domain import ERASED_TEXT, without_text
from services.reminders.client_replica.replica import CLIENTS
from services.reminders.client_replica.repository import AccountClient
from services.reminders.models import ClientReplica, idempotency_keys, inbox, outbox
from services.reminders.reminders.domain import payload
from shared.client_replica import ClientReplica as Replica
from shared.client_replica import Merge, known_client, refuse_if_closed
from shared.errors import ProblemError
from shared.events.clients import ClientCreated, ClientDeleted, ClientErased, ClientMerged, ClientUpdated
from shared.events.envelope import new_event
from shared.events.reminders import ReminderUpdated
from shared.idempotency import forget_answers_about_client
from shared.outbox import add_events, erase_client_events

Sessions = async_sessionmaker[AsyncSession]
# What each refusal says in ``errors[0].message``; a refusal without a reason is the 404 of an unknown client.
_REFUSALS = {"client_merged": "merged client", "client_erased": "erased client"}
# Completes the erased client's 409: "it may not be ...".
_ACTION = "given a reminder text"


@contextlib.contextmanager
def _about(field: str) -> Iterator[None]:
    """Name the request field a refusal of the client is about (``errors[0].field``), keeping its status and reason."""
    try:
        yield
    except ProblemError as problem:
        message = _REFUSALS.get(problem.extra.get("reason", ""), "unknown client")
        problem.extra["errors"] = [{"field": field, "message": message}]
        raise


async def reminder_client(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> ClientReplica:
    """A live client of the account that may be given a reminder; 404 if unknown, 409 if merged or erased.

    The client is share-locked until commit: an erasure of it waits, then blanks this reminder's
    text too; a merge waits, then moves the reminder to the kept client.
    """
    with _about("client_id"):
        client = await known_client(session, CLIENTS, account_id=account_id, client_id=client_id, lock="share")
        refuse_if_closed(client, action=_ACTION)
    return client


async def refuse_erased_text(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> None:
    """409 on text when the client's personal data was erased: no text about it may be written again."""
    client = await repo.get_replica(session, account_id=account_id, client_id=client_id)
    if client is not None:
        with _about("text"):
            refuse_if_closed(client, action=_ACTION)


async def client_names(session: AsyncSession, *, keys: set[AccountClient]) -> dict[AccountClient, str]:
    """The name of each of these clients this service knows (the pseudonym of an erased one)."""
    return await repo.client_names(session, keys=keys)


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
    table=CLIENTS, inbox=inbox, on_deleted=_delete_reminders, on_merged=_move_reminders, on_erased=_erase_reminders
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
