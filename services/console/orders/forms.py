"""The order forms' fields turned into the orders API's bodies (amounts typed in euros, days typed as days)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

# Blank rows of the new-order form: enough for most orders, and a browser without JavaScript needs them all.
LINE_ROWS = 5
PAYMENT_METHODS = ("transfer", "card", "cheque", "cash", "direct_debit", "other")


class FieldProblem(Exception):
    """A field the console itself can tell is wrong before asking the API."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def euros_to_cents(text: str) -> int | None:
    """'1 352,48' or '1352.48' → 135248; None when it is not an amount."""
    cleaned = re.sub(r"[\s\u202f\xa0€]", "", text).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int((value * 100).quantize(Decimal(1)))


def order_lines(values: dict[str, str]) -> list[dict[str, Any]]:
    """The filled rows of the new-order form as the API's lines (a row without a variant is skipped)."""
    lines: list[dict[str, Any]] = []
    problems: dict[str, str] = {}
    for row in range(LINE_ROWS):
        variant = values.get(f"lines.{row}.variant_id", "").strip()
        if not variant:
            continue
        line: dict[str, Any] = {
            "variant_id": int(variant) if variant.isdigit() else variant,
            "quantity": values.get(f"lines.{row}.quantity", "").strip().replace(",", ".") or "0",
        }
        price = values.get(f"lines.{row}.unit_price", "").strip()
        if price:
            cents = euros_to_cents(price)
            if cents is None:
                problems[f"lines.{row}.unit_price"] = "Montant invalide"
            line["unit_price_cents"] = cents
        line["_row"] = row
        lines.append(line)
    if problems:
        raise FieldProblem(problems)
    return lines


def api_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines without the form's row numbers."""
    return [{key: value for key, value in line.items() if key != "_row"} for line in lines]


def row_errors(errors: dict[str, str], lines: list[dict[str, Any]]) -> dict[str, str]:
    """The API names lines by their place among the sent ones; the form names them by row."""
    renamed: dict[str, str] = {}
    for name, message in errors.items():
        match = re.fullmatch(r"lines\.(\d+)\.(\w+)", name)
        if match and int(match[1]) < len(lines):
            field = "unit_price" if match[2] == "unit_price_cents" else match[2]
            renamed[f"lines.{lines[int(match[1])]['_row']}.{field}"] = message
        else:
            renamed[name] = message
    return renamed


def instant_of_day(text: str, *, zone: str) -> str | None:
    """A day typed in the form as the API's instant: None (now) for today, else noon that day in the zone."""
    text = text.strip()
    if not text:
        return None
    try:
        chosen = date.fromisoformat(text)
    except ValueError as bad:
        raise FieldProblem({"_day": "Date invalide"}) from bad
    local_zone = ZoneInfo(zone)
    if chosen == datetime.now(UTC).astimezone(local_zone).date():
        return None
    return datetime.combine(chosen, time(12), tzinfo=local_zone).isoformat()
