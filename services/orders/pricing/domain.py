"""Pure rules of prices: which price a line gets, whether an order's prices include tax, and money rounding."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

PriceRule = Literal["negotiated", "client_grid", "default_grid", "manual"]


def line_total_cents(quantity: Decimal, unit_price_cents: int) -> int:
    """Quantity times unit price, rounded half up to the cent."""
    return int((quantity * unit_price_cents).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class ResolvedPrice:
    """The unit price of a line and the rule that chose it."""

    unit_price_cents: int
    rule: PriceRule


def resolve_price(
    *, manual: int | None, negotiated: int | None, client_grid: int | None, default_grid: int | None
) -> ResolvedPrice | None:
    """A manual price, else the client's negotiated price, else its grid's, else the default grid's."""
    candidates: tuple[tuple[int | None, PriceRule], ...] = (
        (manual, "manual"),
        (negotiated, "negotiated"),
        (client_grid, "client_grid"),
        (default_grid, "default_grid"),
    )
    for price, rule in candidates:
        if price is not None:
            return ResolvedPrice(unit_price_cents=price, rule=rule)
    return None


def order_includes_tax(*, client_grid: bool | None, default_grid: bool | None) -> bool:
    """Whether an order's prices include tax: as the client's grid, else the default grid, else they do.

    Negotiated and manual prices are read in that same basis; the grids' default is prices with tax.
    """
    for includes_tax in (client_grid, default_grid):
        if includes_tax is not None:
            return includes_tax
    return True
