"""The orders side of a client's merge, archiving and erasure (F19), applied from client events."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.orders import client_life_repository as life
from services.orders import order_repository as repo
from services.orders.models import idempotency_keys, inbox
from services.orders.replica import apply_flag
from shared.consumer import apply_once
from shared.events.clients import ClientArchived, ClientErased, ClientMerged, ClientRestored
from shared.idempotency import forget_answers_about_client
from shared.text import fold

Sessions = async_sessionmaker[AsyncSession]
log = logging.getLogger(__name__)


async def apply_merged(*, sessions: Sessions, consumer: str, event: ClientMerged) -> bool:
    """Move every reference to the merged client onto the kept one, once, in one transaction."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await merge_clients(
            session,
            account_id=event.account_id,
            merge_id=p.merge_id,
            kept_client_id=p.kept_client_id,
            merged_client_id=p.merged_client_id,
        )

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def merge_clients(
    session: AsyncSession, *, account_id: uuid.UUID, merge_id: int, kept_client_id: int, merged_client_id: int
) -> None:
    """Re-point orders, documents, reservations and negotiated prices from the merged client to the kept one.

    No order event is published for the moved rows: the clients service applies the same merge
    to its own copies and recomputes its read models itself, so events would only count twice.
    """
    if kept_client_id == merged_client_id:
        log.warning("merge %s keeps and merges client %s: nothing to move", merge_id, kept_client_id)
        return
    # Both locked first, in id order like orders lock them: an order being taken for either client
    # commits before (and is moved below) or waits and then sees the merge; so does an erasure.
    locked = {
        client_id: await repo.get_replica(session, account_id=account_id, client_id=client_id, for_update=True)
        for client_id in sorted((kept_client_id, merged_client_id))
    }
    merged = locked[merged_client_id]
    if merged is not None and merged.merge_id == merge_id:
        log.info("merge %s of client %s was already applied", merge_id, merged_client_id)
        return
    kept = await _surviving_client(
        session, account_id=account_id, client_id=kept_client_id, merged_client_id=merged_client_id, merge_id=merge_id
    )
    await life.mark_merged(session, account_id=account_id, client_id=merged_client_id, into=kept, merge_id=merge_id)
    moved = await life.move_references(session, account_id=account_id, from_client=merged_client_id, to_client=kept)
    moved["negotiated_prices"], clashes = await life.move_negotiated_prices(
        session, account_id=account_id, merge_id=merge_id, from_client=merged_client_id, to_client=kept
    )
    for variant_id, price_cents, kept_price_cents in clashes:
        log.warning(
            "merge %s: client %s's negotiated price %s for variant %s set aside; client %s keeps %s",
            merge_id,
            merged_client_id,
            price_cents,
            variant_id,
            kept,
            kept_price_cents,
        )
    log.info(
        "merge %s: client %s into %s, moved %s, %s prices set aside",
        merge_id,
        merged_client_id,
        kept,
        moved,
        len(clashes),
    )
    survivor = await repo.get_replica(session, account_id=account_id, client_id=kept)
    if survivor is not None and survivor.erased:
        # The kept client's erasure overtook this merge: what the merged client brought goes too.
        await erase_client(session, account_id=account_id, client_id=kept, pseudonym=survivor.display_name)


async def _surviving_client(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, merged_client_id: int, merge_id: int
) -> int:
    # A later merge of the kept client may have been applied first (a failed delivery comes back
    # behind newer messages): follow it, so nothing lands on a client that no longer exists.
    seen = {merged_client_id}
    while client_id not in seen:
        seen.add(client_id)
        replica = await repo.get_replica(session, account_id=account_id, client_id=client_id)
        if replica is None or replica.merged_into is None:
            return client_id
        client_id = replica.merged_into
    # Raising leaves the event to the dead-letter queue, where someone will look at it.
    raise ValueError(f"merge {merge_id} would merge client {merged_client_id} into itself")


async def apply_archived(*, sessions: Sessions, consumer: str, event: ClientArchived | ClientRestored) -> bool:
    """Hide an archived client from the picker and refuse it orders; a restore undoes both."""
    return await apply_flag(
        sessions=sessions, consumer=consumer, event=event, flag="archived", value=isinstance(event, ClientArchived)
    )


async def apply_erased(*, sessions: Sessions, consumer: str, event: ClientErased) -> bool:
    """Replace the client's personal data by its pseudonym; documents keep amounts, numbers and dates."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await erase_client(session, account_id=event.account_id, client_id=p.client_id, pseudonym=p.pseudonym)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def erase_client(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, pseudonym: str) -> None:
    """Erase what the orders database holds of a person (GDPR) while keeping the documents (French law).

    The replica holds the name, addresses and note; orders hold a copy of the note as their
    banner. Invoices, credit notes, shipments and payments hold only ids, amounts, numbers and
    dates, which the law requires to keep, so they stay as they are.
    """
    personal = {
        "display_name": pseudonym,
        "search_name": fold(pseudonym),
        "note": None,
        "show_note_on_orders": False,
        "billing_address": None,
        "shipping_address": None,
        "erased": True,
    }
    # The replica first: its row lock makes an order being taken for the client finish before
    # its banner is cleared, or wait and then be refused.
    await life.erase_replicas(session, account_id=account_id, client_id=client_id, personal=personal)
    cleared = await life.clear_banners(session, account_id=account_id, client_id=client_id)
    await forget_answers_about_client(session, idempotency_keys, account_id=account_id, client_id=client_id)
    log.info("client %s erased: replica pseudonymised, %s order banners cleared", client_id, cleared)
