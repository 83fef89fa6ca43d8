"""The clients as the mailings service knows them: who may be e-mailed, and the replica's reads other slices need.

The replica itself (versioned upserts, merge chain, final states) is the shared client replica;
what a client's deletion, merge or erasure does to e-mails and campaigns is in ``hooks``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.client_replica import repository as repo
from services.mailings.client_replica.replica import CLIENTS
from services.mailings.models import EmailClient
from shared.client_replica import known_client as known
from shared.client_replica import refuse_if_closed


async def known_client(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> EmailClient:
    """A client of the account that may be e-mailed, share-locked until commit; 404 or 409 otherwise.

    The share lock makes a merge, deletion or erasure wait for the caller's commit.
    """
    client = await known(session, CLIENTS, account_id=account_id, client_id=client_id, lock="share")
    refuse_if_closed(client, action="e-mailed", erased=True)
    return client


async def client_standing(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> EmailClient | None:
    """What the replica knows of a client, tombstones included (None for a client not heard of yet)."""
    return await repo.client_standing(session, account_id=account_id, client_id=client_id)


async def erased_ids(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Sequence[int]) -> set[int]:
    """The clients among these whose personal data was erased."""
    return await repo.erased_ids(session, account_id=account_id, client_ids=client_ids)
