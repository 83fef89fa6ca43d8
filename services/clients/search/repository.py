"""Queries of the search slice: the account's labels and price grids by name, to resolve the names a search uses."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Category, PriceGridName, Tag


async def label_names(
    session: AsyncSession, model: type[Category] | type[Tag], *, account_id: uuid.UUID
) -> list[Row[Any]]:
    """(id, name) of every category or tag of an account."""
    return list(await session.execute(select(model.id, model.name).where(model.account_id == account_id)))


async def price_grid_names(session: AsyncSession, *, account_id: uuid.UUID) -> list[Row[Any]]:
    """(grid_id, name) of every price grid of an account, as the replica of the orders service's knows them."""
    return list(
        await session.execute(
            select(PriceGridName.grid_id, PriceGridName.name).where(PriceGridName.account_id == account_id)
        )
    )
