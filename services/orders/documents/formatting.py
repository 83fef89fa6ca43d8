"""Amounts, quantities, rates and dates written the French way, as the documents print them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def group_thousands(digits: str) -> str:
    """'1234567' -> '1 234 567' (a plain space: readers copy and search it as typed)."""
    head = len(digits) % 3 or 3
    return " ".join([digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))])


def euros(cents: int) -> str:
    """123456 -> '1 234,56 €'; -5 -> '-0,05 €'."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{group_thousands(str(whole))},{rest:02d} €"


def quantity(value: Decimal) -> str:
    """Decimal('12.000') -> '12', Decimal('0.375') -> '0,375', Decimal('1500') -> '1 500'."""
    text = format(value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1)), "f")
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    return sign + group_thousands(whole) + (f",{fraction}" if fraction else "")


def rate(value: Decimal) -> str:
    """Decimal('20.00') -> '20 %', Decimal('5.5') -> '5,5 %'."""
    return f"{quantity(value)} %"


def day(value: dt.date) -> str:
    """date(2026, 3, 9) -> '09/03/2026'."""
    return value.strftime("%d/%m/%Y")


def siren(value: str) -> str:
    """'123456789' -> '123 456 789', as the registers print it."""
    return " ".join(value[i : i + 3] for i in range(0, 9, 3))


def siret(value: str) -> str:
    """'12345678900012' -> '123 456 789 00012'."""
    return f"{siren(value[:9])} {value[9:]}"
