"""Pure rules of the sheet's statistics: their date ranges and periods."""

from __future__ import annotations

from datetime import date
from typing import Literal

from shared.errors import InvalidField

Group = Literal["month", "year"]
MAX_RANGE_YEARS = 20
# Without bounds the statistics show the last 12 months, or the last 5 years.
DEFAULT_PERIODS = {"month": 12, "year": 5}


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def check_order(date_from: date | None, date_to: date | None) -> None:
    """``to`` may not be before ``from`` (both inclusive)."""
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InvalidField("to", "must be on or after from")


def resolve_range(*, date_from: date | None, date_to: date | None, group: Group, today: date) -> tuple[date, date]:
    """The inclusive (from, to) of a statistics request: defaults filled, order and length checked."""
    end = date_to or today
    if date_from is None:
        back = DEFAULT_PERIODS[group] - 1
        if group == "month":
            months = max(end.year * 12 + end.month - 1 - back, 12)
            date_from = date(months // 12, months % 12 + 1, 1)
        else:
            date_from = date(max(end.year - back, 1), 1, 1)
    check_order(date_from, end)
    if date_from.year + MAX_RANGE_YEARS <= date.max.year and end >= add_years(date_from, MAX_RANGE_YEARS):
        raise InvalidField("to", f"the range may span at most {MAX_RANGE_YEARS} years")
    return date_from, end


def period_keys(start: date, end: date, group: Group) -> list[str]:
    """Every period from ``start`` to ``end``: '2026-03' by month, '2026' by year."""
    if group == "year":
        return [f"{year:04d}" for year in range(start.year, end.year + 1)]
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]
