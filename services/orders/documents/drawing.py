"""The page's geometry and the few drawing primitives the layout and the totals block share."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from services.orders.documents.fonts import REGULAR, drawable

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# Rows stop above the footer (the seller's legal line and the page number).
BODY_BOTTOM = 26 * mm
TEXT_PT, SMALL_PT, ROW_PT, TITLE_PT = 9.0, 7.0, 8.5, 15.0
LEADING = 12.0
GAP = 5 * mm
GREY = (0.93, 0.93, 0.93)
RULE = (0.6, 0.6, 0.6)


def text(canvas: Canvas, x: float, y: float, line: str, *, font: str = REGULAR, size: float = TEXT_PT) -> None:
    """Draw ``line`` from (x, y), its baseline, left-aligned."""
    canvas.setFont(font, size)
    canvas.drawString(x, y, drawable(line, font))


def right(canvas: Canvas, x: float, y: float, line: str, *, font: str = REGULAR, size: float = TEXT_PT) -> None:
    """Draw ``line`` ending at x, on the baseline y."""
    canvas.setFont(font, size)
    canvas.drawRightString(x, y, drawable(line, font))


def wrap(paragraph: str, font: str, size: float, room: float) -> list[str]:
    """The paragraph cut into lines no wider than ``room`` points (at least one line)."""
    return simpleSplit(drawable(" ".join(paragraph.split()), font), font, size, room) or [""]
