"""Queries of selections: which ids are live clients, and a page of a selection's clients."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.list_order import id_is_any_of
from services.clients.models import Client


async def live_client_ids(session: AsyncSession, *, account_id: uuid.UUID, ids: Sequence[int]) -> set[int]:
    """Which of these ids are clients of the account that are not deleted."""
    rows = await session.scalars(
        select(Client.id).where(Client.account_id == account_id, Client.deleted_at.is_(None), id_is_any_of(ids))
    )
    return set(rows)


async def addresses_page(session: AsyncSession, *, where: Sequence[Any], after_id: int, limit: int) -> list[Client]:
    """Up to ``limit`` clients matching ``where`` after an id, in id order (mailing recipients)."""
    rows = await session.scalars(select(Client).where(*where, Client.id > after_id).order_by(Client.id).limit(limit))
    return list(rows)
