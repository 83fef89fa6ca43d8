"""The orders service's copy of each client, kept from the clients service's events."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.orders import order_repository as repo
from services.orders.models import ClientReplica, inbox
from shared.consumer import apply_once
from shared.errors import Conflict, NotFound
from shared.events.clients import ClientCreated, ClientDeleted, ClientUpdated
from shared.events.envelope import Event
from shared.text import fold

Sessions = async_sessionmaker[AsyncSession]


async def known_client(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, for_update: bool = False
) -> ClientReplica:
    """A live client of the account as this service knows it; 409 naming the kept client if merged, else 404.

    Writers that attach something to the client lock it, as merges and erasures do first, so
    either they wait for the merge and see its outcome or the merge waits and moves their rows.
    A share lock would not do: a stream of share lockers can starve the merge's exclusive one.
    """
    replica = await repo.get_replica(session, account_id=account_id, client_id=client_id, for_update=for_update)
    if replica is not None and replica.merged_into is not None:
        raise Conflict(
            f"Client {client_id} was merged into client {replica.merged_into}: use that client.",
            extra={"reason": "client_merged", "client_id": client_id, "kept_client_id": replica.merged_into},
        )
    if replica is None or replica.deleted or replica.version == 0:
        raise NotFound(f"Client {client_id} does not exist.")
    return replica


def refuse_if_closed(client: ClientReplica, *, billed: bool) -> None:
    """409 for an erased or archived client, and for a blocked one when it would be billed (F19)."""
    if client.erased:
        raise Conflict(
            f"Client {client.client_id} was erased (GDPR): no new order may be taken for it.",
            extra={"reason": "client_erased", "client_id": client.client_id},
        )
    if client.archived:
        raise Conflict(
            f"Client {client.client_id} is archived: restore it before taking an order.",
            extra={"reason": "client_archived", "client_id": client.client_id},
        )
    if billed and client.blocked:
        raise Conflict(
            f"Client {client.client_id} is blocked: no new order may be taken for it.",
            extra={"reason": "client_blocked", "client_id": client.client_id},
        )


async def apply_snapshot(*, sessions: Sessions, consumer: str, event: ClientCreated | ClientUpdated) -> bool:
    """Store what orders need of a created or edited client."""
    p = event.payload
    values = {
        "client_id": p.client_id,
        "account_id": event.account_id,
        "version": p.version,
        "display_name": p.display_name,
        "search_name": fold(p.display_name),
        "blocked": p.blocked,
        "archived": p.archived,
        "note": p.note,
        "show_note_on_orders": p.show_note_on_orders,
        "price_grid_id": p.price_grid_id,
        "billing_address": p.billing_address.model_dump(),
        "shipping_address": p.shipping_address.model_dump() if p.shipping_address else None,
    }

    async def effect(session: AsyncSession) -> None:
        await repo.apply_client_snapshot(session, values=values)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def apply_flag(*, sessions: Sessions, consumer: str, event: Event, flag: str, value: bool) -> bool:
    """Block, unblock, archive, restore or delete a client here too (F19: enforced where orders are taken)."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await repo.apply_client_flag(
            session, account_id=event.account_id, client_id=p.client_id, version=p.version, flag=flag, value=value
        )

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def apply_deleted(*, sessions: Sessions, consumer: str, event: ClientDeleted) -> bool:
    """A deleted client can no longer be chosen or given orders."""
    return await apply_flag(sessions=sessions, consumer=consumer, event=event, flag="deleted", value=True)
