"""Queries of the search slice: labels by name, saved segments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Row, any_, cast, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Category, Client, Segment, Tag


async def label_names(
    session: AsyncSession, model: type[Category] | type[Tag], *, account_id: uuid.UUID
) -> list[Row[Any]]:
    """(id, name) of every category or tag of an account."""
    return list(await session.execute(select(model.id, model.name).where(model.account_id == account_id)))


def id_is_any_of(ids: Sequence[int]) -> Any:
    """`clients.id = ANY($1)`: one array parameter, however many ids (a driver allows 32,767 parameters)."""
    return Client.id == any_(cast(literal(list(ids), ARRAY(BigInteger)), ARRAY(BigInteger)))


async def live_client_ids(session: AsyncSession, *, account_id: uuid.UUID, ids: Sequence[int]) -> set[int]:
    """Which of these ids are clients of the account that are not deleted."""
    rows = await session.scalars(
        select(Client.id).where(Client.account_id == account_id, Client.deleted_at.is_(None), id_is_any_of(ids))
    )
    return set(rows)


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


async def addresses_page(session: AsyncSession, *, where: Sequence[Any], after_id: int, limit: int) -> list[Client]:
    """Up to ``limit`` clients matching ``where`` after an id, in id order (mailing recipients)."""
    rows = await session.scalars(select(Client).where(*where, Client.id > after_id).order_by(Client.id).limit(limit))
    return list(rows)
