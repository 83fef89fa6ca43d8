"""Use cases of prices: grids and their prices, each client's negotiated prices and those a merge set aside."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.catalogue import service as catalogue
from services.orders.client_life import service as clients
from services.orders.models import PriceGrid, outbox
from services.orders.pricing import repository as repo
from services.orders.pricing.schemas import NegotiatedPriceSet, PriceGridCreate, PriceGridRename
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.orders import PriceGridCreated, PriceGridPayload, PriceGridRenamed
from shared.outbox import add_event


def _grid_body(grid: PriceGrid) -> dict[str, Any]:
    return {"id": grid.id, "name": grid.name, "includes_tax": grid.includes_tax, "is_default": grid.is_default}


async def list_grids(session: AsyncSession, *, principal: Principal) -> list[dict[str, Any]]:
    """The account's price grids."""
    return [_grid_body(g) for g in await repo.list_grids(session, account_id=principal.account_id)]


async def create_grid(session: AsyncSession, *, principal: Principal, data: PriceGridCreate) -> dict[str, Any]:
    """Add a price grid; making it the default unsets the previous default."""
    if await repo.grid_name_taken(session, account_id=principal.account_id, name=data.name):
        raise Conflict(
            f"A price grid named {data.name!r} already exists.",
            extra={"errors": [{"field": "name", "message": "already used"}]},
        )
    if data.is_default:
        await repo.clear_default_grid(session, account_id=principal.account_id)
    grid = PriceGrid(account_id=principal.account_id, version=1, **data.model_dump())
    session.add(grid)
    await session.flush()
    await _announce(session, grid, PriceGridCreated)
    return _grid_body(grid)


async def rename_grid(
    session: AsyncSession, *, principal: Principal, grid_id: int, data: PriceGridRename
) -> dict[str, Any]:
    """Give a price grid another name, unique in the account; the clients service's search follows."""
    grid = await repo.get_grid(session, account_id=principal.account_id, grid_id=grid_id, for_update=True)
    if grid is None:
        raise NotFound(f"Price grid {grid_id} does not exist.")
    if grid.name == data.name:
        return _grid_body(grid)
    if await repo.grid_name_taken(session, account_id=principal.account_id, name=data.name):
        raise Conflict(
            f"A price grid named {data.name!r} already exists.",
            extra={"errors": [{"field": "name", "message": "already used"}]},
        )
    grid.name = data.name
    grid.version += 1
    await session.flush()
    await _announce(session, grid, PriceGridRenamed)
    return _grid_body(grid)


async def _announce(
    session: AsyncSession, grid: PriceGrid, event_class: type[PriceGridCreated | PriceGridRenamed]
) -> None:
    await add_event(
        session,
        outbox,
        event_class,
        account_id=grid.account_id,
        payload=PriceGridPayload(grid_id=grid.id, name=grid.name, version=grid.version),
    )


async def set_grid_price(
    session: AsyncSession, *, principal: Principal, grid_id: int, variant_id: int, price_cents: int
) -> None:
    """Set a variant's price in a grid."""
    if await repo.get_grid(session, account_id=principal.account_id, grid_id=grid_id) is None:
        raise NotFound(f"Price grid {grid_id} does not exist.")
    await catalogue.require_variant(session, principal=principal, variant_id=variant_id)
    await repo.set_grid_price(
        session, account_id=principal.account_id, grid_id=grid_id, variant_id=variant_id, price_cents=price_cents
    )


async def set_negotiated_price(
    session: AsyncSession, *, principal: Principal, data: NegotiatedPriceSet
) -> dict[str, Any]:
    """Set a client's own price for a variant, used by every new order of that client."""
    await clients.orderable_client(session, account_id=principal.account_id, client_id=data.client_id, for_update=True)
    await catalogue.require_variant(session, principal=principal, variant_id=data.variant_id)
    await repo.set_negotiated_price(session, account_id=principal.account_id, **data.model_dump())
    return data.model_dump()


async def list_negotiated_prices(
    session: AsyncSession, *, principal: Principal, client_id: int
) -> list[dict[str, Any]]:
    """A client's negotiated prices."""
    await clients.orderable_client(session, account_id=principal.account_id, client_id=client_id)
    return [
        {"client_id": p.client_id, "variant_id": p.variant_id, "price_cents": p.price_cents}
        for p in await repo.negotiated_prices(session, account_id=principal.account_id, client_id=client_id)
    ]


async def list_superseded_prices(
    session: AsyncSession, *, principal: Principal, client_id: int
) -> list[dict[str, Any]]:
    """The merged clients' negotiated prices that lost to this client's own (kept, never dropped)."""
    await clients.orderable_client(session, account_id=principal.account_id, client_id=client_id)
    return [
        {
            "merge_id": p.merge_id,
            "client_id": p.client_id,
            "merged_client_id": p.merged_client_id,
            "variant_id": p.variant_id,
            "price_cents": p.price_cents,
            "kept_price_cents": p.kept_price_cents,
            "superseded_at": p.superseded_at,
        }
        for p in await repo.superseded_prices(session, account_id=principal.account_id, client_id=client_id)
    ]


async def delete_negotiated_price(
    session: AsyncSession, *, principal: Principal, client_id: int, variant_id: int
) -> None:
    """Remove a negotiated price."""
    if not await repo.delete_negotiated_price(
        session, account_id=principal.account_id, client_id=client_id, variant_id=variant_id
    ):
        raise NotFound(f"Client {client_id} has no negotiated price for variant {variant_id}.")


async def price_candidates(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    client_grid_id: int | None,
    variant_ids: Iterable[int],
) -> dict[int, dict[str, int | None]]:
    """Per variant: the negotiated, client-grid and default-grid prices that exist."""
    return await repo.price_candidates(
        session, account_id=account_id, client_id=client_id, client_grid_id=client_grid_id, variant_ids=variant_ids
    )


async def grids_include_tax(
    session: AsyncSession, *, account_id: uuid.UUID, client_grid_id: int | None
) -> dict[str, bool | None]:
    """Whether the client's grid and the default grid include tax (None where there is no such grid)."""
    return await repo.grids_include_tax(session, account_id=account_id, client_grid_id=client_grid_id)
