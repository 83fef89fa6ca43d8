"""Request and response bodies of the catalogue: containers, products and their variants."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.orders.schema_types import Id, Name, Strict, VatRate

ExcisePerLitre = Annotated[
    int, Field(ge=0, le=10**9, description="Excise in cents per litre, added to the VAT base (0: none)")
]


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
    vat_rate: VatRate = Decimal("20.00")
    excise_cents_per_litre: ExcisePerLitre = 0
    variants: Annotated[list[VariantCreate], Field(min_length=1, max_length=50)]


class ProductUpdate(Strict):
    """A product's new name, VAT rate or excise (what is left out stays); orders already priced keep theirs."""

    name: Name | None = None
    vat_rate: VatRate | None = None
    excise_cents_per_litre: ExcisePerLitre | None = None


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
    vat_rate: Decimal = Field(description="VAT rate in percent, two decimals (20.00, 10.00, 5.50, 2.10, 0.00)")
    excise_cents_per_litre: int
    variants: list[VariantRead]
