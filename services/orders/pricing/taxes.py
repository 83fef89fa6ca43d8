"""Taxes to the cent: VAT per rate and excise on wine and spirits, for grids with and without tax.

The rule (every amount the orders service shows, stores or publishes follows it):

- Money is an integer number of cents. A VAT rate is a percentage with two decimals
  (20.00 standard; 10.00, 5.50, 2.10 and 0.00 are the other French rates; any 0 <= rate < 100
  is accepted). Excise is an integer number of cents per litre of the product (0 when none);
  a unit's litres are its container's millilitres / 1000.
- Every rounding is half up (half away from zero) to the cent, done once where written below,
  on exact values (integers, never floats).
- A line's amount, in its grid's basis = round(quantity x unit price). A line's excise =
  round(quantity x litres x excise per litre).
- Grid WITHOUT tax (HT: prices exclude VAT and excise). Per VAT rate: taxable base = sum of the
  lines' amounts + sum of their excise (excise is part of the VAT base in France);
  VAT = round(base x rate / 100), once per rate on the sum, never per line (EN 16931 BR-CO-17).
  Total incl. tax = sum of bases + sum of VATs.
- Grid WITH tax (TTC: prices include VAT and excise). Per VAT rate: T = sum of the lines'
  amounts; base = round(T x 100 / (100 + rate)); VAT = T - base. Total incl. tax = sum of T.
  The lines' excise is inside the base ("of which excise"), not added to it.
- Totals: total excl. tax = sum of bases (excise included); VAT per rate (rate, base, amount);
  excise = sum of the lines' excise; total incl. tax as above. Whatever the basis,
  total excl. tax + sum of VATs = total incl. tax exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

STANDARD_RATE = Decimal("20.00")
FRENCH_RATES = (Decimal("20.00"), Decimal("10.00"), Decimal("5.50"), Decimal("2.10"), Decimal("0.00"))
_HUNDREDTHS = 100  # a rate of 5.50 % is 550 hundredths of a percent
_WHOLE = 100 * _HUNDREDTHS  # 100 % in hundredths of a percent


def _divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, exactly (denominator > 0)."""
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def _scaled(value: Decimal, places: int, what: str) -> int:
    """``value`` x 10**places as an exact integer; more decimals than that is a caller's error."""
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what} {value} has more than {places} decimals")
    return int(scaled)


def rate_hundredths(rate: Decimal) -> int:
    """A VAT rate in hundredths of a percent (5.50 -> 550), checked to be 0 <= rate < 100."""
    hundredths = _scaled(rate, 2, "VAT rate")
    if not 0 <= hundredths < _WHOLE:
        raise ValueError(f"VAT rate {rate} is not between 0 and 100")
    return hundredths


def line_excise_cents(quantity: Decimal, millilitres: int, excise_cents_per_litre: int) -> int:
    """round(quantity x litres x excise per litre), for a quantity with at most 3 decimals."""
    thousandths = _scaled(quantity, 3, "quantity")
    return _divide_half_up(thousandths * millilitres * excise_cents_per_litre, 1000 * 1000)


@dataclass(frozen=True, slots=True)
class TaxedLine:
    """What the rule needs of a line: its amount in the grid's basis, its VAT rate and its excise."""

    amount_cents: int
    vat_rate: Decimal
    excise_cents: int = 0


@dataclass(frozen=True, slots=True)
class VatAmount:
    """The VAT of one rate: the taxable base it applies to and the amount."""

    rate: Decimal
    base_cents: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class TaxTotals:
    """An order's or invoice's totals by the rule."""

    includes_tax: bool
    total_excl_tax_cents: int
    vat: tuple[VatAmount, ...]  # highest rate first
    excise_cents: int
    total_cents: int  # incl. tax: what the client pays


def vat_of_rate(*, amount_cents: int, excise_cents: int, rate: Decimal, includes_tax: bool) -> VatAmount:
    """The VAT of one rate from the sums of its lines' amounts and excise, by the grid's basis."""
    hundredths = rate_hundredths(rate)
    normalised = Decimal(hundredths).scaleb(-2)
    if includes_tax:
        base = _divide_half_up(amount_cents * _WHOLE, _WHOLE + hundredths)
        return VatAmount(rate=normalised, base_cents=base, amount_cents=amount_cents - base)
    base = amount_cents + excise_cents
    return VatAmount(rate=normalised, base_cents=base, amount_cents=_divide_half_up(base * hundredths, _WHOLE))


def tax_totals(lines: Iterable[TaxedLine], *, includes_tax: bool) -> TaxTotals:
    """Totals excl. tax, VAT per rate, excise and total incl. tax of these lines, by the rule."""
    amounts: dict[int, int] = defaultdict(int)
    excise: dict[int, int] = defaultdict(int)
    for line in lines:
        hundredths = rate_hundredths(line.vat_rate)
        amounts[hundredths] += line.amount_cents
        excise[hundredths] += line.excise_cents
    vat = tuple(
        vat_of_rate(
            amount_cents=amounts[h],
            excise_cents=excise[h],
            rate=Decimal(h).scaleb(-2),
            includes_tax=includes_tax,
        )
        for h in sorted(amounts, reverse=True)
    )
    excl_tax = sum(v.base_cents for v in vat)
    return TaxTotals(
        includes_tax=includes_tax,
        total_excl_tax_cents=excl_tax,
        vat=vat,
        excise_cents=sum(excise.values()),
        total_cents=excl_tax + sum(v.amount_cents for v in vat),
    )
