"""Announce every live client again, so a consumer added later can build its copy.

Consumers keep the newest version they saw, so a repeated snapshot changes nothing where
it is already known and fills in what a new consumer queue never received.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.clients import repository
from services.clients.models import Account, outbox
from services.clients.views import snapshot
from shared.db import unit_of_work
from shared.events.clients import ClientCreated
from shared.events.envelope import new_event
from shared.outbox import add_events

BATCH = 500


async def republish_snapshots(sessions: async_sessionmaker[AsyncSession], *, account_id: uuid.UUID | None) -> int:
    """Write a client.created snapshot of each live client to the outbox, batch by batch."""
    after, total = 0, 0
    while True:
        async with unit_of_work(sessions) as session:
            clients = await repository.live_clients_page(session, account_id=account_id, after_id=after, limit=BATCH)
            if not clients:
                return total
            tags = await repository.tag_ids_by_client(session, client_ids=[c.id for c in clients])
            orders = {a: (await session.get(Account, a)).name_order for a in {c.account_id for c in clients}}  # type: ignore[union-attr]
            await add_events(
                session,
                outbox,
                [
                    new_event(
                        ClientCreated,
                        account_id=c.account_id,
                        payload=snapshot(c, tag_ids=tags[c.id], order=orders[c.account_id]),
                    )  # type: ignore[arg-type]
                    for c in clients
                ],
            )
        after, total = clients[-1].id, total + len(clients)
