"""Queries of the client replica: the reads only the mailings service needs (the writes are the shared replica's)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ARRAY, BigInteger, any_, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.models import EmailClient


async def client_standing(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> EmailClient | None:
    """What the replica knows of a client, tombstones included (None for a client not heard of yet)."""
    query = select(EmailClient).where(EmailClient.account_id == account_id, EmailClient.client_id == client_id)
    return (await session.execute(query)).scalar_one_or_none()


async def erased_ids(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Sequence[int]) -> set[int]:
    """The clients among these whose personal data was erased."""
    if not client_ids:
        return set()
    # One array parameter: a campaign's selection may name more clients than a statement takes parameters.
    ids = cast(sorted(set(client_ids)), ARRAY(BigInteger))
    rows = await session.scalars(
        select(EmailClient.client_id).where(
            EmailClient.account_id == account_id, EmailClient.client_id == any_(ids), EmailClient.erased.is_(True)
        )
    )
    return set(rows)
