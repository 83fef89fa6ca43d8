"""The clients as the orders service knows them: who may be given an order, and what a merge or erasure moves.

The replica itself (versioned upserts, merge chain, final states) is the shared client replica;
this module adds what only the orders database holds: orders, shipments, reservations and
negotiated prices follow a merge, and order banners go with an erasure.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.client_life import repository as repo
from services.orders.client_life.replica import CLIENTS
from services.orders.models import ClientReplica, idempotency_keys, inbox
from shared.client_replica import ClientReplica as Replica
from shared.client_replica import Merge, known_client
from shared.client_replica import refuse_if_closed as refuse_closed
from shared.events.clients import ClientErased, ClientMerged
from shared.idempotency import forget_answers_about_client

log = logging.getLogger(__name__)


async def orderable_client(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, for_update: bool = False
) -> ClientReplica:
    """A live client of the account as this service knows it; 409 naming the kept client if merged, else 404.

    Writers that attach something to the client lock it, as merges and erasures do first, so
    either they wait for the merge and see its outcome or the merge waits and moves their rows.
    A share lock would not do: a stream of share lockers can starve the merge's exclusive one.
    """
    return await known_client(
        session, CLIENTS, account_id=account_id, client_id=client_id, lock="update" if for_update else None
    )


def refuse_if_closed(client: ClientReplica, *, billed: bool) -> None:
    """409 for an erased or archived client, and for a blocked one when it would be billed."""
    refuse_closed(client, action="given new orders", erased=True, archived=True, blocked=billed)


async def client_choices(
    session: AsyncSession, *, account_id: uuid.UUID, prefix: str, limit: int
) -> list[dict[str, Any]]:
    """Clients that may be given an order, whose folded name contains the folded text."""
    rows = await repo.client_choices(session, account_id=account_id, prefix=prefix, limit=limit)
    return [{"client_id": r.client_id, "display_name": r.display_name} for r in rows]


async def _move_to_kept_client(session: AsyncSession, event: ClientMerged, merge: Merge) -> None:
    """Re-point orders, shipments, reservations and negotiated prices from the merged client to the kept one.

    No order event is published for the moved rows: the clients service applies the same merge
    to its own copies and recomputes its read models itself, so events would only count twice.
    """
    account_id, merged, kept = merge.account_id, merge.merged_client_id, merge.kept_client_id
    moved = await repo.move_references(session, account_id=account_id, from_client=merged, to_client=kept)
    moved["negotiated_prices"], clashes = await repo.move_negotiated_prices(
        session, account_id=account_id, merge_id=merge.merge_id, from_client=merged, to_client=kept
    )
    for variant_id, price_cents, kept_price_cents in clashes:
        log.warning(
            "merge %s: client %s's negotiated price %s for variant %s set aside; client %s keeps %s",
            merge.merge_id,
            merged,
            price_cents,
            variant_id,
            kept,
            kept_price_cents,
        )
    log.info(
        "merge %s: client %s into %s, moved %s, %s prices set aside", merge.merge_id, merged, kept, moved, len(clashes)
    )
    if merge.kept_erased_as is not None:
        # The kept client's erasure overtook this merge: the banners the merged client brought go too.
        await _erase_documents(session, account_id=account_id, client_id=kept)


async def _erase(session: AsyncSession, event: ClientErased) -> None:
    """Erase what the orders hold of a person (GDPR) while keeping the documents (French law).

    The replica holds the name, addresses and note (already pseudonymised); orders hold a copy of
    the note as their banner. Invoices, credit notes, shipments and payments hold only ids,
    amounts, numbers and dates, which the law requires to keep, so they stay as they are. The
    issued invoices' and credit notes' PDFs print the buyer's name and address as they were: they
    are kept too (ten years, Code de commerce L123-22; GDPR art. 17(3)(b) exempts them).
    """
    await _erase_documents(session, account_id=event.account_id, client_id=event.payload.client_id)


async def _erase_documents(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> None:
    cleared = await repo.clear_banners(session, account_id=account_id, client_id=client_id)
    await forget_answers_about_client(session, idempotency_keys, account_id=account_id, client_id=client_id)
    log.info("client %s erased: replica pseudonymised, %s order banners cleared", client_id, cleared)


# The replica as the client event subscribers feed it; the replica's row is written (and locked)
# before the hooks run, so an order being taken for the client finishes first or waits and is refused.
REPLICA = Replica(table=CLIENTS, inbox=inbox, on_merged=_move_to_kept_client, on_erased=_erase)
