"""HTTP routes of the catalogue: containers, products and their variants."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from services.orders.catalogue import service
from services.orders.catalogue.schemas import (
    ContainerCreate,
    ContainerRead,
    ProductCreate,
    ProductRead,
    ProductUpdate,
)
from shared.auth import Manager, Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/orders", route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OrderId = ObjectId
ClientQuery = Annotated[int, Query(ge=1, le=2**63 - 1)]


@router.get("/containers", response_model=list[ContainerRead], tags=["catalogue"])
async def list_containers(principal: Reader, session: Transaction) -> Any:
    """Container sizes (37.5 cl to bag-in-box), seeded on first use."""
    return await service.list_containers(session, principal=principal)


@router.post("/containers", response_model=ContainerRead, status_code=status.HTTP_201_CREATED, tags=["catalogue"])
async def add_container(body: ContainerCreate, principal: Manager, session: Transaction) -> Any:
    """Add a container size."""
    return await service.add_container(session, principal=principal, data=body)


@router.get("/products", response_model=list[ProductRead], tags=["catalogue"])
async def list_products(principal: Reader, session: Transaction) -> Any:
    """Products and their variants."""
    return await service.list_products(session, principal=principal)


@router.post("/products", response_model=ProductRead, status_code=status.HTTP_201_CREATED, tags=["catalogue"])
async def create_product(body: ProductCreate, principal: Manager, session: Transaction) -> Any:
    """Add a product with its variants."""
    return await service.create_product(session, principal=principal, data=body)


@router.get("/products/{product_id}", response_model=ProductRead, tags=["catalogue"])
async def get_product(product_id: ObjectId, principal: Reader, session: Transaction) -> Any:
    """One product with its variants."""
    return await service.get_product(session, principal=principal, product_id=product_id)


@router.patch("/products/{product_id}", response_model=ProductRead, tags=["catalogue"])
async def update_product(product_id: ObjectId, body: ProductUpdate, principal: Manager, session: Transaction) -> Any:
    """Change a product's name, VAT rate or excise per litre; orders already priced keep theirs."""
    return await service.update_product(session, principal=principal, product_id=product_id, data=body)
