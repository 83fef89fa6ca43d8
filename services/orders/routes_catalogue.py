"""HTTP routes of the catalogue, prices and reservations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from services.orders import catalogue_service, fulfilment_service
from services.orders.schemas import (
    ContainerCreate,
    ContainerRead,
    NegotiatedPriceRead,
    NegotiatedPriceSet,
    PriceGridCreate,
    PriceGridRead,
    PriceSet,
    ProductCreate,
    ProductRead,
    ReservationCreate,
    ReservationRead,
    SupersededPriceRead,
)
from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/orders", route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ClientQuery = Annotated[int, Query(ge=1, le=2**63 - 1)]


@router.get("/containers", response_model=list[ContainerRead], tags=["catalogue"])
async def list_containers(principal: CurrentPrincipal, session: Transaction) -> Any:
    """Container sizes (37.5 cl to bag-in-box), seeded on first use."""
    return await catalogue_service.list_containers(session, principal=principal)


@router.post("/containers", response_model=ContainerRead, status_code=status.HTTP_201_CREATED, tags=["catalogue"])
async def add_container(body: ContainerCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Add a container size."""
    return await catalogue_service.add_container(session, principal=principal, data=body)


@router.get("/products", response_model=list[ProductRead], tags=["catalogue"])
async def list_products(principal: CurrentPrincipal, session: Transaction) -> Any:
    """Products and their variants."""
    return await catalogue_service.list_products(session, principal=principal)


@router.post("/products", response_model=ProductRead, status_code=status.HTTP_201_CREATED, tags=["catalogue"])
async def create_product(body: ProductCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Add a product with its variants."""
    return await catalogue_service.create_product(session, principal=principal, data=body)


@router.get("/products/{product_id}", response_model=ProductRead, tags=["catalogue"])
async def get_product(product_id: ObjectId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """One product with its variants."""
    return await catalogue_service.get_product(session, principal=principal, product_id=product_id)


@router.get("/price-grids", response_model=list[PriceGridRead], tags=["prices"])
async def list_grids(principal: CurrentPrincipal, session: Transaction) -> Any:
    """Price grids."""
    return await catalogue_service.list_grids(session, principal=principal)


@router.post("/price-grids", response_model=PriceGridRead, status_code=status.HTTP_201_CREATED, tags=["prices"])
async def create_grid(body: PriceGridCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Add a price grid (optionally the account's default)."""
    return await catalogue_service.create_grid(session, principal=principal, data=body)


@router.put("/price-grids/{grid_id}/prices/{variant_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["prices"])
async def set_grid_price(
    grid_id: ObjectId, variant_id: ObjectId, body: PriceSet, principal: CurrentPrincipal, session: Transaction
) -> None:
    """Set a variant's price in a grid."""
    await catalogue_service.set_grid_price(
        session, principal=principal, grid_id=grid_id, variant_id=variant_id, price_cents=body.price_cents
    )


@router.get("/negotiated-prices", response_model=list[NegotiatedPriceRead], tags=["prices"])
async def list_negotiated(client_id: ClientQuery, principal: CurrentPrincipal, session: Transaction) -> Any:
    """A client's negotiated prices (F14)."""
    return await catalogue_service.list_negotiated_prices(session, principal=principal, client_id=client_id)


@router.put("/negotiated-prices", response_model=NegotiatedPriceRead, tags=["prices"])
async def set_negotiated(body: NegotiatedPriceSet, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Set a client's own price for a variant; every new order of that client uses it."""
    return await catalogue_service.set_negotiated_price(session, principal=principal, data=body)


@router.delete("/negotiated-prices/{client_id}/{variant_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["prices"])
async def delete_negotiated(
    client_id: ObjectId, variant_id: ObjectId, principal: CurrentPrincipal, session: Transaction
) -> None:
    """Remove a negotiated price."""
    await catalogue_service.delete_negotiated_price(
        session, principal=principal, client_id=client_id, variant_id=variant_id
    )


@router.get("/superseded-prices", response_model=list[SupersededPriceRead], tags=["prices"])
async def list_superseded(client_id: ClientQuery, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Negotiated prices of clients merged into this one that its own prices overrode (kept for review)."""
    return await catalogue_service.list_superseded_prices(session, principal=principal, client_id=client_id)


@router.get("/reservations", response_model=list[ReservationRead], tags=["reservations"])
async def list_reservations(client_id: ClientQuery, principal: CurrentPrincipal, session: Transaction) -> Any:
    """A client's reservations (F15)."""
    return await fulfilment_service.list_reservations(session, principal=principal, client_id=client_id)


@router.post(
    "/reservations", response_model=ReservationRead, status_code=status.HTTP_201_CREATED, tags=["reservations"]
)
async def reserve(body: ReservationCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Reserve a quantity of a variant for a client."""
    return await fulfilment_service.reserve(session, principal=principal, data=body)


@router.post("/reservations/{reservation_id}/cancel", response_model=ReservationRead, tags=["reservations"])
async def cancel_reservation(reservation_id: ObjectId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Cancel an active reservation."""
    return await fulfilment_service.cancel_reservation(session, principal=principal, reservation_id=reservation_id)
