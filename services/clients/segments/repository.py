"""Queries of the account's saved searches (segments)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Segment


async def list_segments(session: AsyncSession, *, account_id: uuid.UUID) -> list[Segment]:
    """The account's saved segments by name."""
    return list(await session.scalars(select(Segment).where(Segment.account_id == account_id).order_by(Segment.name)))


async def get_segment(session: AsyncSession, *, account_id: uuid.UUID, segment_id: int) -> Segment | None:
    """One segment of the account, or None (another account's too)."""
    return await session.scalar(select(Segment).where(Segment.account_id == account_id, Segment.id == segment_id))


async def segment_name_taken(
    session: AsyncSession, *, account_id: uuid.UUID, name: str, except_id: int | None = None
) -> bool:
    """Whether another segment of the account has this name."""
    query = select(Segment.id).where(Segment.account_id == account_id, Segment.name == name)
    if except_id is not None:
        query = query.where(Segment.id != except_id)
    return await session.scalar(query.limit(1)) is not None
