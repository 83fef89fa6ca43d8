"""A bar chart drawn on the server as SVG geometry: no script, no style attribute, a <title> per bar."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

WIDTH = 720
HEIGHT = 260
LEFT = 90  # room for the axis' amounts
BOTTOM = 40  # room for the periods
TOP = 12
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


@dataclass(frozen=True)
class Bar:
    """One period's bar: its box, its label under the axis, and what its tooltip says."""

    x: float
    y: float
    width: float
    height: float
    label: str
    title: str


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line and the value written beside it."""

    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    """Everything the template draws."""

    width: int
    height: int
    left: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def period_label(period: str, *, language: str, short: bool = False) -> str:
    """'2026-03' as 'mars 2026' (or 'mars 26' under a bar), '2026' as itself."""
    if len(period) == 7 and period[4] == "-":
        first = date(int(period[:4]), int(period[5:]), 1)
        return format_date(first, "MMM yy" if short else "MMMM yyyy", locale=_LOCALES.get(language, "fr_FR"))
    return period


def bar_chart(
    points: list[tuple[str, float, str]], *, axis_text: Callable[[float], str], labels_every: int | None = None
) -> Chart:
    """Bars for (label, value, tooltip) points; ``axis_text`` writes an axis value (an amount, a count)."""
    plot_width = WIDTH - LEFT - 10
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    top_value = nice_ceiling(max((value for _, value, _ in points), default=0))
    slot = plot_width / max(len(points), 1)
    every = labels_every or max(1, math.ceil(len(points) / 12))
    bars = []
    for index, (label, value, title) in enumerate(points):
        height = plot_height * max(value, 0) / top_value
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 1),
                y=round(baseline - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=label if index % every == 0 else "",
                title=title,
            )
        )
    ticks = [
        Tick(y=round(baseline - plot_height * step / 4, 1), text=axis_text(top_value * step / 4)) for step in range(5)
    ]
    return Chart(width=WIDTH, height=HEIGHT, left=LEFT, baseline=baseline, bars=bars, ticks=ticks)
