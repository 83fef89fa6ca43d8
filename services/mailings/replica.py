"""The mailings service's copy of each client's e-mail data, kept from the clients service's events.

The same events reach the campaigns: merges, deletions and erasures change the recipients of
campaigns not printed yet; a printed campaign only loses an erased client's personal data, and its
PDFs are drawn again without that client.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.mailings import campaigns_repository, emails_repository, renders_repository
from services.mailings import replica_repository as repo
from services.mailings.emails_domain import without_personal_data
from services.mailings.models import EmailClient, idempotency_keys, inbox, outbox
from shared.consumer import apply_once
from shared.errors import Conflict, NotFound
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
FLAGS = ("receives_quotes", "receives_proforma", "receives_invoices", "receives_dunning")
ERASED_BEFORE_SENDING = "not sent: the client's personal data was erased before delivery"


async def known_client(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> EmailClient:
    """A client of the account that may be e-mailed, locked until commit; 404 or 409 otherwise."""
    client = await repo.lock_client(session, account_id=account_id, client_id=client_id)
    if client is not None and client.merged_into is not None:
        kept = client.merged_into
        raise Conflict(
            f"Client {client_id} was merged into client {kept}; e-mail that client instead.",
            extra={"reason": "client_merged", "kept_client_id": kept},
        )
    # version 0: only a lifecycle event arrived so far, the client's creation has not.
    if client is None or client.deleted or client.version == 0:
        raise NotFound(f"Client {client_id} does not exist.")
    if client.erased:
        raise Conflict(
            f"Client {client_id}'s personal data was erased: it cannot be e-mailed.", extra={"reason": "client_erased"}
        )
    return client


async def apply_snapshot(*, sessions: Sessions, consumer: str, event: ClientCreated | ClientUpdated) -> bool:
    """Store the addresses and document flags of a created or edited client."""
    p = event.payload
    values = {
        "account_id": event.account_id,
        "client_id": p.client_id,
        "version": p.version,
        "display_name": p.display_name,
        "email": p.email,
        "accepts_emailing": p.accepts_emailing,
        "archived": p.archived,
        # Only what choosing recipients needs: contacts without an address never receive anything.
        "contacts": [
            {"contact_id": c.contact_id, "email": c.email, **{f: getattr(c, f) for f in FLAGS}}
            for c in p.contacts
            if c.email
        ],
    }

    async def effect(session: AsyncSession) -> None:
        await repo.apply_snapshot(session, values=values)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def apply_archived(*, sessions: Sessions, consumer: str, event: ClientArchived | ClientRestored) -> bool:
    """Follow a client's archiving or restoring."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await repo.apply_archived(
            session,
            account_id=event.account_id,
            client_id=p.client_id,
            version=p.version,
            archived=isinstance(event, ClientArchived),
        )

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def forget_client(*, sessions: Sessions, consumer: str, event: ClientDeleted) -> bool:
    """Forget a deleted client: its e-mails go, queued ones unsent, it leaves unprinted campaigns, and its
    replica keeps only the id.

    The clients service deletes only clients without orders or invoices, so no document is lost;
    keeping the e-mails would keep addresses and texts of a client that no longer exists.
    """
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        # The replica first: its row lock makes a concurrent request for this client wait, then 404.
        await repo.mark_deleted(session, account_id=event.account_id, client_id=p.client_id, version=p.version)
        await emails_repository.delete_client_emails(session, account_id=event.account_id, client_id=p.client_id)
        await campaigns_repository.remove_client(session, account_id=event.account_id, client_id=p.client_id)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def merge_clients(*, sessions: Sessions, consumer: str, event: ClientMerged) -> bool:
    """Move the merged client's e-mails and unprinted campaigns' rows to the kept client; point its replica there.

    If the kept client's erasure arrived first, what the merged client brings is erased too.
    """
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        kept = await repo.merge_target(session, account_id=event.account_id, kept_client_id=p.kept_client_id)
        await repo.mark_merged(
            session, account_id=event.account_id, merged_client_id=p.merged_client_id, kept_client_id=kept
        )
        await emails_repository.move_client_emails(
            session, account_id=event.account_id, from_client_id=p.merged_client_id, to_client_id=kept
        )
        await campaigns_repository.move_client(
            session, account_id=event.account_id, from_client_id=p.merged_client_id, to_client_id=kept
        )
        pseudonym = await repo.pseudonym_of(session, account_id=event.account_id, client_id=kept)
        if pseudonym is not None:
            await _erase_what_it_holds(session, account_id=event.account_id, client_id=kept, pseudonym=pseudonym)
            await erase_client_events(
                session,
                outbox,
                account_id=event.account_id,
                client_ids=[p.merged_client_id],
                redact=without_personal_data,
            )

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def erase_client(*, sessions: Sessions, consumer: str, event: ClientErased) -> bool:
    """Remove an erased client's personal data: names become the pseudonym, e-mails lose their texts,
    unprinted campaigns drop it, printed ones keep only the pseudonym and their PDFs are drawn again."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        # The replica first: its row lock makes a request e-mailing this client finish first, or wait and 409.
        await repo.mark_erased(
            session, account_id=event.account_id, client_id=p.client_id, version=p.version, pseudonym=p.pseudonym
        )
        await _erase_what_it_holds(session, account_id=event.account_id, client_id=p.client_id, pseudonym=p.pseudonym)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def _erase_what_it_holds(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, pseudonym: str) -> None:
    """E-mails, campaign snapshots, their PDFs and the outbox's events, of a client whose replica is erased."""
    await emails_repository.erase_client_emails(
        session, account_id=account_id, client_id=client_id, reason=ERASED_BEFORE_SENDING
    )
    # A campaign being created now commits its recipients first, or waits and leaves the client out.
    await campaigns_repository.hold_recipients(session, account_id=account_id, exclusive=True)
    campaign_ids = await campaigns_repository.campaigns_holding(session, account_id=account_id, client_id=client_id)
    # Jobs before campaigns: a worker finishing a job holds the job, then its campaign.
    await renders_repository.redo_jobs_of(session, campaign_ids=campaign_ids)
    await campaigns_repository.erase_client(
        session, account_id=account_id, client_id=client_id, pseudonym=pseudonym, campaign_ids=campaign_ids
    )
    await erase_client_events(
        session, outbox, account_id=account_id, client_ids=[client_id], redact=without_personal_data
    )
    await forget_answers_about_client(session, idempotency_keys, account_id=account_id, client_id=client_id)
