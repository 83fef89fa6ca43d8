"""Queries of prices: grids and their prices, negotiated and superseded prices, the candidates of a line."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.models import (
    GridPrice,
    NegotiatedPrice,
    PriceGrid,
    SupersededPrice,
)


async def list_grids(session: AsyncSession, *, account_id: uuid.UUID) -> list[PriceGrid]:
    """The account's price grids."""
    rows = await session.execute(select(PriceGrid).where(PriceGrid.account_id == account_id).order_by(PriceGrid.id))
    return list(rows.scalars())


async def get_grid(
    session: AsyncSession, *, account_id: uuid.UUID, grid_id: int, for_update: bool = False
) -> PriceGrid | None:
    """One price grid of the account, locked when it is to change."""
    query = select(PriceGrid).where(PriceGrid.account_id == account_id, PriceGrid.id == grid_id)
    return (await session.execute(query.with_for_update() if for_update else query)).scalar_one_or_none()


async def grid_name_taken(session: AsyncSession, *, account_id: uuid.UUID, name: str) -> bool:
    """Whether a grid of that name exists."""
    return (
        await session.execute(select(PriceGrid.id).where(PriceGrid.account_id == account_id, PriceGrid.name == name))
    ).first() is not None


async def clear_default_grid(session: AsyncSession, *, account_id: uuid.UUID) -> None:
    """Unset the account's default grid (before another becomes the default)."""
    for grid in await list_grids(session, account_id=account_id):
        grid.is_default = False
    await session.flush()


async def set_grid_price(
    session: AsyncSession, *, account_id: uuid.UUID, grid_id: int, variant_id: int, price_cents: int
) -> None:
    """Insert or replace a variant's price in a grid."""
    statement = insert(GridPrice).values(
        account_id=account_id, grid_id=grid_id, variant_id=variant_id, price_cents=price_cents
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["grid_id", "variant_id"], set_={"price_cents": statement.excluded.price_cents}
        )
    )


async def set_negotiated_price(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, variant_id: int, price_cents: int
) -> None:
    """Insert or replace a client's negotiated price."""
    statement = insert(NegotiatedPrice).values(
        account_id=account_id, client_id=client_id, variant_id=variant_id, price_cents=price_cents
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["client_id", "variant_id"], set_={"price_cents": statement.excluded.price_cents}
        )
    )


async def delete_negotiated_price(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, variant_id: int
) -> bool:
    """Remove a negotiated price; False if there was none."""
    result = await session.execute(
        delete(NegotiatedPrice).where(
            NegotiatedPrice.account_id == account_id,
            NegotiatedPrice.client_id == client_id,
            NegotiatedPrice.variant_id == variant_id,
        )
    )
    return bool(cast(CursorResult[Any], result).rowcount)


async def negotiated_prices(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> list[NegotiatedPrice]:
    """A client's negotiated prices."""
    rows = await session.execute(
        select(NegotiatedPrice)
        .where(NegotiatedPrice.account_id == account_id, NegotiatedPrice.client_id == client_id)
        .order_by(NegotiatedPrice.variant_id)
    )
    return list(rows.scalars())


async def superseded_prices(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> list[SupersededPrice]:
    """Negotiated prices that merges into the client set aside, newest merge first."""
    rows = await session.execute(
        select(SupersededPrice)
        .where(
            SupersededPrice.account_id == account_id,
            SupersededPrice.client_id == client_id,
        )
        .order_by(SupersededPrice.merge_id.desc(), SupersededPrice.variant_id)
    )
    return list(rows.scalars())


async def price_candidates(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    client_grid_id: int | None,
    variant_ids: Iterable[int],
) -> dict[int, dict[str, int | None]]:
    """Per variant: the negotiated, client-grid and default-grid prices that exist."""
    wanted = set(variant_ids)
    found: dict[int, dict[str, int | None]] = {
        v: {"negotiated": None, "client_grid": None, "default_grid": None} for v in wanted
    }
    for variant_id, price in (
        await session.execute(
            select(NegotiatedPrice.variant_id, NegotiatedPrice.price_cents).where(
                NegotiatedPrice.account_id == account_id,
                NegotiatedPrice.client_id == client_id,
                NegotiatedPrice.variant_id.in_(wanted),
            )
        )
    ).all():
        found[variant_id]["negotiated"] = price
    grid_rows = await session.execute(
        select(GridPrice.variant_id, GridPrice.price_cents, GridPrice.grid_id, PriceGrid.is_default)
        .join(PriceGrid, PriceGrid.id == GridPrice.grid_id)
        .where(GridPrice.account_id == account_id, GridPrice.variant_id.in_(wanted))
    )
    for variant_id, price, grid_id, is_default in grid_rows.all():
        if grid_id == client_grid_id:
            found[variant_id]["client_grid"] = price
        if is_default:
            found[variant_id]["default_grid"] = price
    return found


async def grids_include_tax(
    session: AsyncSession, *, account_id: uuid.UUID, client_grid_id: int | None
) -> dict[str, bool | None]:
    """Whether the client's grid and the account's default grid include tax (None: no such grid)."""
    found: dict[str, bool | None] = {"client_grid": None, "default_grid": None}
    rows = await session.execute(
        select(PriceGrid.id, PriceGrid.is_default, PriceGrid.includes_tax).where(
            PriceGrid.account_id == account_id, (PriceGrid.id == client_grid_id) | PriceGrid.is_default
        )
    )
    for grid_id, is_default, includes_tax in rows.all():
        if grid_id == client_grid_id:
            found["client_grid"] = includes_tax
        if is_default:
            found["default_grid"] = includes_tax
    return found
