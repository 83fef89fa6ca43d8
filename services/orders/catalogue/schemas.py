"""Request and response bodies of the catalogue: containers, products and their variants."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.orders.schema_types import Id, Name, Strict


class ContainerCreate(Strict):
    """A container size to add to the account's list."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    short_name: Annotated[str, Field(min_length=1, max_length=30)]
    millilitres: Annotated[int, Field(gt=0, le=1_000_000)]
    kind: Literal["bottle", "magnum", "bag-in-box", "other"]


class ContainerRead(BaseModel):
    """A container."""

    id: int
    name: str
    short_name: str
    millilitres: int
    kind: str


class VariantCreate(Strict):
    """A sellable form of a product."""

    container_id: Id
    vintage: Annotated[int | None, Field(ge=1800, le=2200)] = None
    packaging: Annotated[str | None, Field(max_length=100)] = None


class ProductCreate(Strict):
    """A product and its variants."""

    name: Name
    variants: Annotated[list[VariantCreate], Field(min_length=1, max_length=50)]


class VariantRead(BaseModel):
    """A variant with its container."""

    id: int
    product_id: int
    container: ContainerRead
    vintage: int | None
    packaging: str | None


class ProductRead(BaseModel):
    """A product with its variants."""

    id: int
    name: str
    variants: list[VariantRead]
