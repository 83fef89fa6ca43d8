"""Queries of the account's categories and tags."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import cast

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Category, Client, ClientTag, Tag

Label = type[Category] | type[Tag]


async def existing_label_ids(
    session: AsyncSession, model: Label, *, account_id: uuid.UUID, ids: Iterable[int]
) -> set[int]:
    """Which of these category or tag ids exist in the account."""
    wanted = set(ids)
    if not wanted:
        return set()
    rows = await session.execute(select(model.id).where(model.account_id == account_id, model.id.in_(wanted)))
    return set(rows.scalars())


async def list_labels(session: AsyncSession, model: Label, *, account_id: uuid.UUID) -> list[Category | Tag]:
    """The account's categories or tags by name."""
    rows = await session.execute(select(model).where(model.account_id == account_id).order_by(model.name))
    # select() over "one of two classes" is typed as their common base; the rows are of the class asked.
    return cast(list[Category | Tag], list(rows.scalars()))


async def get_label(
    session: AsyncSession, model: Label, *, account_id: uuid.UUID, label_id: int
) -> Category | Tag | None:
    """One category or tag of the account."""
    label = (
        await session.execute(select(model).where(model.account_id == account_id, model.id == label_id))
    ).scalar_one_or_none()
    return cast(Category | Tag | None, label)


async def label_name_taken(
    session: AsyncSession, model: Label, *, account_id: uuid.UUID, name: str, except_id: int | None = None
) -> bool:
    """Whether the account already has a category or tag of that name."""
    condition = [model.account_id == account_id, model.name == name]
    if except_id is not None:
        condition.append(model.id != except_id)
    return bool(await session.scalar(select(exists().where(*condition))))


async def label_in_use(session: AsyncSession, model: Label, *, label_id: int) -> bool:
    """Whether a live client uses the category or tag."""
    if model is Category:
        condition = exists().where(Client.category_id == label_id, Client.deleted_at.is_(None))
    else:
        condition = exists().where(ClientTag.tag_id == label_id)
    return bool(await session.scalar(select(condition)))
