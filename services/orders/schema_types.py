"""Field types and the strict request base shared by every slice's request bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

from shared.schemas import Number, StrictBody

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Cents = Annotated[int, Field(ge=0, le=10**13)]
PositiveQuantity = Annotated[Number, Field(gt=0, le=Decimal("999999999"), max_digits=12, decimal_places=3)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
# A VAT rate in percent with two decimals, 0 <= rate < 100 (services/orders/pricing/taxes.py); 5.5 reads as 5.50.
VatRate = Annotated[
    Number,
    Field(ge=0, lt=100, max_digits=4, decimal_places=2, description="Percent: 20.00, 10.00, 5.50, 2.10, 0.00"),
    AfterValidator(lambda rate: rate.quantize(Decimal("0.01"))),
]


class Strict(StrictBody):
    """Unknown fields are errors."""
