"""Request and response bodies of prices: grids, their prices, negotiated and superseded prices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from services.orders.schema_types import Cents, Id, Strict


class PriceGridCreate(Strict):
    """A price list."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    includes_tax: bool = True
    is_default: bool = False


class PriceGridRename(Strict):
    """A price list's new name."""

    name: Annotated[str, Field(min_length=1, max_length=100)]


class PriceGridRead(BaseModel):
    """A price list."""

    id: int
    name: str
    includes_tax: bool
    is_default: bool


class PriceSet(Strict):
    """A price in cents."""

    price_cents: Cents


class NegotiatedPriceSet(Strict):
    """A client's own price for a variant."""

    client_id: Id
    variant_id: Id
    price_cents: Cents


class NegotiatedPriceRead(BaseModel):
    """A negotiated price."""

    client_id: int
    variant_id: int
    price_cents: int


class SupersededPriceRead(BaseModel):
    """A merged client's negotiated price that the kept client's own price for the variant overrode."""

    merge_id: int
    client_id: int = Field(description="The kept client")
    merged_client_id: int
    variant_id: int
    price_cents: int = Field(description="The merged client's price, no longer applied")
    kept_price_cents: int = Field(description="The kept client's price at the merge, which still applies")
    superseded_at: datetime
