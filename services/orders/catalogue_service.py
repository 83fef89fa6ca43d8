"""Use cases of the catalogue and prices (F14): containers, products, grids, negotiated prices."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders import catalogue_repository as repo
from services.orders.models import Container, PriceGrid, Product, Variant
from services.orders.replica import known_client
from services.orders.schemas import ContainerCreate, NegotiatedPriceSet, PriceGridCreate, ProductCreate
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
    product = Product(account_id=principal.account_id, name=data.name)
    session.add(product)
    await session.flush()
    session.add_all(
        [Variant(account_id=principal.account_id, product_id=product.id, **v.model_dump()) for v in data.variants]
    )
    await session.flush()
    return await get_product(session, principal=principal, product_id=product.id)


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
    grid = PriceGrid(account_id=principal.account_id, **data.model_dump())
    session.add(grid)
    await session.flush()
    return _grid_body(grid)


async def set_grid_price(
    session: AsyncSession, *, principal: Principal, grid_id: int, variant_id: int, price_cents: int
) -> None:
    """Set a variant's price in a grid."""
    if await repo.get_grid(session, account_id=principal.account_id, grid_id=grid_id) is None:
        raise NotFound(f"Price grid {grid_id} does not exist.")
    await _require_variant(session, principal=principal, variant_id=variant_id)
    await repo.set_grid_price(
        session, account_id=principal.account_id, grid_id=grid_id, variant_id=variant_id, price_cents=price_cents
    )


async def set_negotiated_price(
    session: AsyncSession, *, principal: Principal, data: NegotiatedPriceSet
) -> dict[str, Any]:
    """Set a client's own price for a variant, used by every new order of that client."""
    await known_client(session, account_id=principal.account_id, client_id=data.client_id, for_update=True)
    await _require_variant(session, principal=principal, variant_id=data.variant_id)
    await repo.set_negotiated_price(session, account_id=principal.account_id, **data.model_dump())
    return data.model_dump()


async def list_negotiated_prices(
    session: AsyncSession, *, principal: Principal, client_id: int
) -> list[dict[str, Any]]:
    """A client's negotiated prices."""
    await known_client(session, account_id=principal.account_id, client_id=client_id)
    return [
        {"client_id": p.client_id, "variant_id": p.variant_id, "price_cents": p.price_cents}
        for p in await repo.negotiated_prices(session, account_id=principal.account_id, client_id=client_id)
    ]


async def list_superseded_prices(
    session: AsyncSession, *, principal: Principal, client_id: int
) -> list[dict[str, Any]]:
    """The merged clients' negotiated prices that lost to this client's own (kept, never dropped)."""
    await known_client(session, account_id=principal.account_id, client_id=client_id)
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


async def _require_variant(session: AsyncSession, *, principal: Principal, variant_id: int) -> Any:
    details = await repo.variants_with_details(session, account_id=principal.account_id, variant_ids=[variant_id])
    if not details:
        raise NotFound(f"Variant {variant_id} does not exist.")
    return details[0]
