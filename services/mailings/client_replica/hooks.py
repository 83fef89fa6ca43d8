"""The mailings service's copy of each client's e-mail data, kept from the clients service's events.

The same events reach the campaigns: merges, deletions and erasures change the recipients of
campaigns not printed yet; a printed campaign only loses an erased client's personal data, and its
PDFs are drawn again without that client. The replica itself is the shared client replica; the
hooks below carry a client's end to e-mails and campaigns, through their slices' services.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.mailings.campaigns import service as campaigns
from services.mailings.client_replica.replica import CLIENTS
from services.mailings.emails import service as emails
from services.mailings.emails.domain import without_personal_data
from services.mailings.models import idempotency_keys, inbox, outbox
from services.mailings.renders import service as renders
from shared.client_replica import ClientReplica as Replica
from shared.client_replica import Merge
from shared.events.clients import (
    ClientArchived,
    ClientCreated,
    ClientDeleted,
    ClientErased,
    ClientMerged,
    ClientRestored,
    ClientUpdated,
)
from shared.idempotency import forget_answers_about_client
from shared.outbox import erase_client_events

Sessions = async_sessionmaker[AsyncSession]
ERASED_BEFORE_SENDING = "not sent: the client's personal data was erased before delivery"


async def _forget(session: AsyncSession, event: ClientDeleted) -> None:
    """A deleted client's e-mails go, queued ones unsent, and it leaves unprinted campaigns.

    The clients service deletes only clients without orders or invoices, so no document is lost;
    keeping the e-mails would keep addresses and texts of a client that no longer exists.
    """
    p = event.payload
    await emails.delete_client_emails(session, account_id=event.account_id, client_id=p.client_id)
    await campaigns.remove_client(session, account_id=event.account_id, client_id=p.client_id)


async def _move(session: AsyncSession, event: ClientMerged, merge: Merge) -> None:
    """The merged client's e-mails and unprinted campaigns' rows move to the kept client.

    If the kept client's erasure arrived first, what the merged client brings is erased too.
    """
    account_id, merged, kept = merge.account_id, merge.merged_client_id, merge.kept_client_id
    await emails.move_client_emails(session, account_id=account_id, from_client_id=merged, to_client_id=kept)
    await campaigns.move_client(session, account_id=account_id, from_client_id=merged, to_client_id=kept)
    if merge.kept_erased_as is not None:
        await _erase_what_it_holds(session, account_id=account_id, client_id=kept, pseudonym=merge.kept_erased_as)
        await erase_client_events(
            session, outbox, account_id=account_id, client_ids=[merged], redact=without_personal_data
        )


async def _erase(session: AsyncSession, event: ClientErased) -> None:
    """E-mails lose their texts, unprinted campaigns drop the client, printed ones keep only the pseudonym."""
    p = event.payload
    await _erase_what_it_holds(session, account_id=event.account_id, client_id=p.client_id, pseudonym=p.pseudonym)


async def _erase_what_it_holds(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, pseudonym: str) -> None:
    """E-mails, campaign snapshots, their PDFs and the outbox's events, of a client whose replica is erased."""
    await emails.erase_client_emails(session, account_id=account_id, client_id=client_id, reason=ERASED_BEFORE_SENDING)
    # A campaign being created now commits its recipients first, or waits and leaves the client out.
    await campaigns.hold_recipients(session, account_id=account_id, exclusive=True)
    campaign_ids = await campaigns.campaigns_holding(session, account_id=account_id, client_id=client_id)
    # Jobs before campaigns: a worker finishing a job holds the job, then its campaign.
    await renders.redo_jobs_of(session, campaign_ids=campaign_ids)
    await campaigns.erase_client(
        session, account_id=account_id, client_id=client_id, pseudonym=pseudonym, campaign_ids=campaign_ids
    )
    await erase_client_events(
        session, outbox, account_id=account_id, client_ids=[client_id], redact=without_personal_data
    )
    await forget_answers_about_client(session, idempotency_keys, account_id=account_id, client_id=client_id)


# The replica's row is written (and locked) before the hooks run: a request e-mailing this client
# finishes first, or waits and then gets its 404 or 409.
REPLICA = Replica(table=CLIENTS, inbox=inbox, on_deleted=_forget, on_merged=_move, on_erased=_erase)


async def apply_snapshot(*, sessions: Sessions, consumer: str, event: ClientCreated | ClientUpdated) -> bool:
    """Store the addresses and document flags of a created or edited client."""
    return await REPLICA.apply_snapshot(sessions=sessions, consumer=consumer, event=event)


async def apply_archived(*, sessions: Sessions, consumer: str, event: ClientArchived | ClientRestored) -> bool:
    """Follow a client's archiving or restoring."""
    archived = isinstance(event, ClientArchived)
    return await REPLICA.apply_flag(sessions=sessions, consumer=consumer, event=event, flag="archived", value=archived)


async def forget_client(*, sessions: Sessions, consumer: str, event: ClientDeleted) -> bool:
    """Forget a deleted client: its replica keeps only the id, its e-mails and campaign rows go."""
    return await REPLICA.apply_deleted(sessions=sessions, consumer=consumer, event=event)


async def merge_clients(*, sessions: Sessions, consumer: str, event: ClientMerged) -> bool:
    """Point the merged client at the kept one and move its e-mails and unprinted campaigns' rows there."""
    return await REPLICA.apply_merged(sessions=sessions, consumer=consumer, event=event)


async def erase_client(*, sessions: Sessions, consumer: str, event: ClientErased) -> bool:
    """Remove an erased client's personal data from the replica, its e-mails and its campaigns."""
    return await REPLICA.apply_erased(sessions=sessions, consumer=consumer, event=event)
