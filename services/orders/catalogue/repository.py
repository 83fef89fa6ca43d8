"""Queries of the catalogue: containers, products and their variants."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.catalogue.domain import DEFAULT_CONTAINERS
from services.orders.models import (
    Container,
    Product,
    Variant,
)


async def seed_default_containers(session: AsyncSession, *, account_id: uuid.UUID) -> None:
    """Give the account the usual container sizes once (a no-op afterwards)."""
    await session.execute(
        insert(Container)
        .values(
            [
                {"account_id": account_id, "name": n, "short_name": s, "millilitres": ml, "kind": k}
                for n, s, ml, k in DEFAULT_CONTAINERS
            ]
        )
        .on_conflict_do_nothing(index_elements=["account_id", "short_name"])
    )


async def list_containers(session: AsyncSession, *, account_id: uuid.UUID) -> list[Container]:
    """The account's containers by size."""
    rows = await session.execute(
        select(Container).where(Container.account_id == account_id).order_by(Container.millilitres, Container.id)
    )
    return list(rows.scalars())


async def get_container(session: AsyncSession, *, account_id: uuid.UUID, container_id: int) -> Container | None:
    """One container of the account."""
    return (
        await session.execute(select(Container).where(Container.account_id == account_id, Container.id == container_id))
    ).scalar_one_or_none()


async def container_short_name_taken(session: AsyncSession, *, account_id: uuid.UUID, short_name: str) -> bool:
    """Whether the account already has a container with that short name."""
    return (
        await session.execute(
            select(Container.id).where(Container.account_id == account_id, Container.short_name == short_name)
        )
    ).first() is not None


async def list_products(session: AsyncSession, *, account_id: uuid.UUID) -> list[Product]:
    """The account's products by name."""
    rows = await session.execute(select(Product).where(Product.account_id == account_id).order_by(Product.name))
    return list(rows.scalars())


async def get_product(session: AsyncSession, *, account_id: uuid.UUID, product_id: int) -> Product | None:
    """One product of the account."""
    return (
        await session.execute(select(Product).where(Product.account_id == account_id, Product.id == product_id))
    ).scalar_one_or_none()


async def variants_with_details(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    variant_ids: Iterable[int] | None = None,
    product_ids: Iterable[int] | None = None,
) -> list[Any]:
    """Variants with their product name and container, by variant or by product."""
    query = (
        select(
            Variant.id,
            Variant.product_id,
            Variant.vintage,
            Variant.packaging,
            Product.name.label("product_name"),
            Product.vat_rate,
            Product.excise_cents_per_litre,
            Container.id.label("container_id"),
            Container.name.label("container_name"),
            Container.short_name,
            Container.millilitres,
            Container.kind,
        )
        .join(Product, Product.id == Variant.product_id)
        .join(Container, Container.id == Variant.container_id)
        .where(Variant.account_id == account_id)
        .order_by(Variant.id)
    )
    if variant_ids is not None:
        query = query.where(Variant.id.in_(set(variant_ids)))
    if product_ids is not None:
        query = query.where(Variant.product_id.in_(set(product_ids)))
    return list((await session.execute(query)).all())
