"""Pure rules of the orders service: containers, prices, money rounding, document numbers, dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

PriceRule = Literal["negotiated", "client_grid", "default_grid", "manual"]
OrderState = Literal["draft", "confirmed", "invoiced", "cancelled"]

# (name, short name, millilitres, kind): the sizes every account starts with.
DEFAULT_CONTAINERS: tuple[tuple[str, str, int, str], ...] = (
    ("Demi-bouteille (37,5 cl)", "37,5 cl", 375, "bottle"),
    ("Bouteille (50 cl)", "50 cl", 500, "bottle"),
    ("Bouteille (75 cl)", "75 cl", 750, "bottle"),
    ("Magnum (150 cl)", "150 cl", 1500, "magnum"),
    ("Jéroboam (300 cl)", "300 cl", 3000, "magnum"),
    ("Bag-in-box (3 l)", "BIB 3 l", 3000, "bag-in-box"),
    ("Bag-in-box (5 l)", "BIB 5 l", 5000, "bag-in-box"),
)

NUMBER_FORMATS = {"order": "C-{:06d}", "invoice": "F-{:06d}", "credit_note": "AV-{:06d}"}


def document_number(kind: str, value: int) -> str:
    """'C-000042' for the 42nd order of an account, 'F-...' invoices, 'AV-...' credit notes."""
    return NUMBER_FORMATS[kind].format(value)


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
    for price, rule in (
        (manual, "manual"),
        (negotiated, "negotiated"),
        (client_grid, "client_grid"),
        (default_grid, "default_grid"),
    ):
        if price is not None:
            return ResolvedPrice(unit_price_cents=price, rule=rule)  # type: ignore[arg-type]
    return None


ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"confirmed", "invoiced", "cancelled"},
    "confirmed": {"invoiced", "cancelled"},
    "invoiced": {"cancelled"},  # only through a credit note
    "cancelled": set(),
}


def can_move(state: str, target: str) -> bool:
    """Whether an order in ``state`` may become ``target``."""
    return target in ALLOWED_TRANSITIONS[state]


# A shipment or a payment records something that happened; a day ahead leaves room for clocks and for
# writing down tonight what leaves first thing tomorrow, and anything later is a typing error.
FUTURE_SLACK = timedelta(days=1)


def fact_date_problem(at: datetime, *, order_created_at: datetime, now: datetime) -> str | None:
    """Why a shipment's or payment's date cannot be (before its order, or too far ahead), or None."""
    if at < order_created_at:
        return f"is before the order was created ({order_created_at.isoformat()})"
    if at > now + FUTURE_SLACK:
        return "is more than a day ahead: record a shipment or a payment once it has happened"
    return None
