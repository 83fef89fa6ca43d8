"""Use cases of the catalogue: containers, products and their variants."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.catalogue import repository as repo
from services.orders.catalogue.schemas import ContainerCreate, ProductCreate, ProductUpdate
from services.orders.models import Container, Product, Variant
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound


def _container_body(c: Any) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "short_name": c.short_name, "millilitres": c.millilitres, "kind": c.kind}


async def list_containers(session: AsyncSession, *, principal: Principal) -> list[dict[str, Any]]:
    """The account's containers, seeded with the usual sizes on first use."""
    await repo.seed_default_containers(session, account_id=principal.account_id)
    return [_container_body(c) for c in await repo.list_containers(session, account_id=principal.account_id)]


async def add_container(session: AsyncSession, *, principal: Principal, data: ContainerCreate) -> dict[str, Any]:
    """Add a container size (short names are unique)."""
    await repo.seed_default_containers(session, account_id=principal.account_id)
    if await repo.container_short_name_taken(session, account_id=principal.account_id, short_name=data.short_name):
        raise Conflict(
            f"A container {data.short_name!r} already exists.",
            extra={"errors": [{"field": "short_name", "message": "already used"}]},
        )
    container = Container(account_id=principal.account_id, **data.model_dump())
    session.add(container)
    await session.flush()
    return _container_body(container)


async def create_product(session: AsyncSession, *, principal: Principal, data: ProductCreate) -> dict[str, Any]:
    """Add a product with its variants."""
    await repo.seed_default_containers(session, account_id=principal.account_id)
    for index, variant in enumerate(data.variants):
        if (
            await repo.get_container(session, account_id=principal.account_id, container_id=variant.container_id)
            is None
        ):
            raise InvalidField(f"variants.{index}.container_id", f"unknown container {variant.container_id}")
    product = Product(
        account_id=principal.account_id,
        name=data.name,
        vat_rate=data.vat_rate,
        excise_cents_per_litre=data.excise_cents_per_litre,
    )
    session.add(product)
    await session.flush()
    session.add_all(
        [Variant(account_id=principal.account_id, product_id=product.id, **v.model_dump()) for v in data.variants]
    )
    await session.flush()
    return await get_product(session, principal=principal, product_id=product.id)


async def update_product(
    session: AsyncSession, *, principal: Principal, product_id: int, data: ProductUpdate
) -> dict[str, Any]:
    """Change a product's name, VAT rate or excise; lines already priced keep their snapshot."""
    product = await repo.get_product(session, account_id=principal.account_id, product_id=product_id)
    if product is None:
        raise NotFound(f"Product {product_id} does not exist.")
    for name, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(product, name, value)
    await session.flush()
    return await get_product(session, principal=principal, product_id=product_id)


async def get_product(session: AsyncSession, *, principal: Principal, product_id: int) -> dict[str, Any]:
    """A product with its variants and their containers."""
    product = await repo.get_product(session, account_id=principal.account_id, product_id=product_id)
    if product is None:
        raise NotFound(f"Product {product_id} does not exist.")
    return _product_body(
        product, await repo.variants_with_details(session, account_id=principal.account_id, product_ids=[product_id])
    )


async def list_products(session: AsyncSession, *, principal: Principal) -> list[dict[str, Any]]:
    """The account's products with their variants."""
    products = await repo.list_products(session, account_id=principal.account_id)
    details = await repo.variants_with_details(
        session, account_id=principal.account_id, product_ids=[p.id for p in products]
    )
    return [_product_body(p, [d for d in details if d.product_id == p.id]) for p in products]


def _product_body(product: Product, details: list[Any]) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": product.name,
        "vat_rate": product.vat_rate,
        "excise_cents_per_litre": product.excise_cents_per_litre,
        "variants": [
            {
                "id": d.id,
                "product_id": d.product_id,
                "vintage": d.vintage,
                "packaging": d.packaging,
                "container": {
                    "id": d.container_id,
                    "name": d.container_name,
                    "short_name": d.short_name,
                    "millilitres": d.millilitres,
                    "kind": d.kind,
                },
            }
            for d in details
        ],
    }


async def variant_details(session: AsyncSession, *, account_id: uuid.UUID, variant_ids: Iterable[int]) -> list[Any]:
    """Each of these variants that exists, with its product and container (for lines and events)."""
    return await repo.variants_with_details(session, account_id=account_id, variant_ids=variant_ids)


async def require_variant(session: AsyncSession, *, principal: Principal, variant_id: int) -> Any:
    """A variant of the account with its product and container, or 404."""
    details = await repo.variants_with_details(session, account_id=principal.account_id, variant_ids=[variant_id])
    if not details:
        raise NotFound(f"Variant {variant_id} does not exist.")
    return details[0]
