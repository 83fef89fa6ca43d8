"""Field types and the strict request base shared by every slice's request bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from shared.schemas import Number, StrictBody

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Cents = Annotated[int, Field(ge=0, le=10**13)]
PositiveQuantity = Annotated[Number, Field(gt=0, le=Decimal("999999999"), max_digits=12, decimal_places=3)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(StrictBody):
    """Unknown fields are errors."""
