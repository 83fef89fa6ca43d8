"""HTTP routes of prices: grids, grid prices, negotiated and superseded prices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from services.orders.pricing import service
from services.orders.pricing.schemas import (
    NegotiatedPriceRead,
    NegotiatedPriceSet,
    PriceGridCreate,
    PriceGridRead,
    PriceGridRename,
    PriceSet,
    SupersededPriceRead,
)
from shared.auth import Manager, Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/orders", route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OrderId = ObjectId
ClientQuery = Annotated[int, Query(ge=1, le=2**63 - 1)]


@router.get("/price-grids", response_model=list[PriceGridRead], tags=["prices"])
async def list_grids(principal: Reader, session: Transaction) -> Any:
    """Price grids."""
    return await service.list_grids(session, principal=principal)


@router.post("/price-grids", response_model=PriceGridRead, status_code=status.HTTP_201_CREATED, tags=["prices"])
async def create_grid(body: PriceGridCreate, principal: Manager, session: Transaction) -> Any:
    """Add a price grid (optionally the account's default)."""
    return await service.create_grid(session, principal=principal, data=body)


@router.patch("/price-grids/{grid_id}", response_model=PriceGridRead, tags=["prices"])
async def rename_grid(grid_id: ObjectId, body: PriceGridRename, principal: Manager, session: Transaction) -> Any:
    """Rename a price grid (409 naming ``name`` if another grid has it); the client search's ``grid:`` follows."""
    return await service.rename_grid(session, principal=principal, grid_id=grid_id, data=body)


@router.put("/price-grids/{grid_id}/prices/{variant_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["prices"])
async def set_grid_price(
    grid_id: ObjectId, variant_id: ObjectId, body: PriceSet, principal: Manager, session: Transaction
) -> None:
    """Set a variant's price in a grid."""
    await service.set_grid_price(
        session, principal=principal, grid_id=grid_id, variant_id=variant_id, price_cents=body.price_cents
    )


@router.get("/negotiated-prices", response_model=list[NegotiatedPriceRead], tags=["prices"])
async def list_negotiated(client_id: ClientQuery, principal: Reader, session: Transaction) -> Any:
    """A client's negotiated prices, applied to each of its new orders."""
    return await service.list_negotiated_prices(session, principal=principal, client_id=client_id)


@router.put("/negotiated-prices", response_model=NegotiatedPriceRead, tags=["prices"])
async def set_negotiated(body: NegotiatedPriceSet, principal: Manager, session: Transaction) -> Any:
    """Set a client's own price for a variant; every new order of that client uses it."""
    return await service.set_negotiated_price(session, principal=principal, data=body)


@router.delete("/negotiated-prices/{client_id}/{variant_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["prices"])
async def delete_negotiated(
    client_id: ObjectId, variant_id: ObjectId, principal: Manager, session: Transaction
) -> None:
    """Remove a negotiated price."""
    await service.delete_negotiated_price(session, principal=principal, client_id=client_id, variant_id=variant_id)


@router.get("/superseded-prices", response_model=list[SupersededPriceRead], tags=["prices"])
async def list_superseded(client_id: ClientQuery, principal: Reader, session: Transaction) -> Any:
    """Negotiated prices of clients merged into this one that its own prices overrode (kept for review)."""
    return await service.list_superseded_prices(session, principal=principal, client_id=client_id)
