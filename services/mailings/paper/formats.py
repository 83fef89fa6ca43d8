"""Label-sheet formats: the geometry of a sheet of address labels, the seeded catalogue, and its validation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}

MAX_COLUMNS = 20
MAX_ROWS = 40
# Below this, not even one line of an address fits at the smallest legible size inside the label's padding.
MIN_LABEL_WIDTH_MM = 15.0
MIN_LABEL_HEIGHT_MM = 8.0
# Published sheets round their figures to 0.01 mm; a label ending 0.005 mm past the edge is a rounding, not an error.
TOLERANCE_MM = 0.01


@dataclass(frozen=True)
class LabelFormat:
    """One sheet of labels: the paper, the grid, the size of a label and where the first one starts (mm)."""

    code: str
    name: str
    paper: Literal["A4", "Letter"]
    columns: int
    rows: int
    label_width_mm: float
    label_height_mm: float
    left_mm: float
    top_mm: float
    pitch_x_mm: float
    pitch_y_mm: float
    corner_radius_mm: float = 0.0

    @property
    def labels_per_sheet(self) -> int:
        """How many labels one sheet holds."""
        return self.columns * self.rows

    def label_origin_mm(self, index: int) -> tuple[float, float]:
        """The top-left corner (x from the left edge, y from the top edge) of label ``index`` on its sheet.

        Labels are numbered along a row, left to right, then row after row, as printers feed them.
        """
        row, column = divmod(index % self.labels_per_sheet, self.columns)
        return self.left_mm + column * self.pitch_x_mm, self.top_mm + row * self.pitch_y_mm


# REFERENCE.md's label table (LibreOffice's labels and gLabels' templates; the US Letter ones from Dolibarr).
# The table gives no corner radii, so none are guessed: the outline of the test grid is square.
SEEDED_FORMATS: tuple[LabelFormat, ...] = (
    LabelFormat("L7160", "Avery L7160", "A4", 3, 7, 63.5, 38.1, 7.2, 15.15, 66.04, 38.1),
    LabelFormat("L7161", "Avery L7161", "A4", 3, 6, 63.5, 46.56, 7.21, 8.82, 66.04, 46.56),
    LabelFormat("L7162", "Avery L7162", "A4", 2, 8, 99.06, 33.87, 4.67, 13.02, 101.6, 33.87),
    LabelFormat("L7163", "Avery L7163", "A4", 2, 7, 99.06, 38.1, 4.67, 15.15, 101.6, 38.1),
    LabelFormat("L7165", "Avery L7165", "A4", 2, 4, 99.06, 67.73, 4.67, 13.04, 101.6, 67.73),
    LabelFormat("L7173", "Avery L7173", "A4", 2, 5, 99.06, 57.0, 4.67, 6.0, 101.6, 57.0),
    LabelFormat("L7651", "Avery L7651", "A4", 5, 13, 38.1, 21.2, 4.75, 10.7, 40.6, 21.2),
    LabelFormat("3422", "Zweckform 3422", "A4", 3, 8, 70.0, 35.0, 0.0, 8.5, 70.0, 35.0),
    LabelFormat("3474", "Zweckform 3474", "A4", 3, 8, 70.0, 37.0, 0.0, 0.0, 70.0, 37.0),
    LabelFormat("3475", "Zweckform 3475 / 3490", "A4", 3, 8, 70.0, 36.0, 0.0, 4.43, 70.0, 36.0),
    LabelFormat("5160", "Avery 5160", "Letter", 3, 10, 65.875, 25.4, 5.582, 12.7, 69.431, 25.4),
    LabelFormat("5163", "Avery 5163", "Letter", 2, 5, 101.6, 50.8, 4.572, 12.7, 105.156, 50.8),
)


def seeded_format(code: str) -> LabelFormat:
    """The seeded format with this code; KeyError when there is none."""
    for fmt in SEEDED_FORMATS:
        if fmt.code == code:
            return fmt
    raise KeyError(code)


def geometry_errors(fmt: LabelFormat) -> list[tuple[str, str]]:
    """Every geometry rule ``fmt`` breaks, as (field, message); an empty list means the labels fit on the page."""
    errors: list[tuple[str, str]] = []
    if not fmt.code.strip():
        errors.append(("code", "must not be blank"))
    if not fmt.name.strip():
        errors.append(("name", "must not be blank"))
    if fmt.paper not in PAGE_SIZES_MM:
        errors.append(("paper", f"must be one of {', '.join(PAGE_SIZES_MM)}"))
    if not 1 <= fmt.columns <= MAX_COLUMNS:
        errors.append(("columns", f"must be between 1 and {MAX_COLUMNS}"))
    if not 1 <= fmt.rows <= MAX_ROWS:
        errors.append(("rows", f"must be between 1 and {MAX_ROWS}"))
    sizes = ("label_width_mm", "label_height_mm", "pitch_x_mm", "pitch_y_mm")
    margins = ("left_mm", "top_mm", "corner_radius_mm")
    broken = set()
    for field in sizes + margins:
        value = getattr(fmt, field)
        if not math.isfinite(value):
            errors.append((field, "must be a finite number"))
            broken.add(field)
        elif field in sizes and value <= 0:
            errors.append((field, "must be greater than 0"))
            broken.add(field)
        elif field in margins and value < 0:
            errors.append((field, "must not be negative"))
            broken.add(field)
    if broken or fmt.paper not in PAGE_SIZES_MM:
        return errors  # the placement rules below would only repeat the same mistake in other words
    if fmt.label_width_mm < MIN_LABEL_WIDTH_MM:
        errors.append(("label_width_mm", f"must be at least {MIN_LABEL_WIDTH_MM:g} mm to hold an address"))
    if fmt.label_height_mm < MIN_LABEL_HEIGHT_MM:
        errors.append(("label_height_mm", f"must be at least {MIN_LABEL_HEIGHT_MM:g} mm to hold an address"))
    # With one column (or row) the pitch is never used: any value is harmless.
    if fmt.columns > 1 and fmt.pitch_x_mm + TOLERANCE_MM < fmt.label_width_mm:
        errors.append(("pitch_x_mm", "must be at least the label width, or labels overlap"))
    if fmt.rows > 1 and fmt.pitch_y_mm + TOLERANCE_MM < fmt.label_height_mm:
        errors.append(("pitch_y_mm", "must be at least the label height, or labels overlap"))
    if fmt.corner_radius_mm > min(fmt.label_width_mm, fmt.label_height_mm) / 2:
        errors.append(("corner_radius_mm", "must be at most half the label's smaller side"))
    page_width, page_height = PAGE_SIZES_MM[fmt.paper]
    if 1 <= fmt.columns <= MAX_COLUMNS:
        right = fmt.left_mm + (fmt.columns - 1) * fmt.pitch_x_mm + fmt.label_width_mm
        if right > page_width + TOLERANCE_MM:
            errors.append(
                ("columns", f"the last column ends at {right:.2f} mm, past the page width of {page_width} mm")
            )
    if 1 <= fmt.rows <= MAX_ROWS:
        bottom = fmt.top_mm + (fmt.rows - 1) * fmt.pitch_y_mm + fmt.label_height_mm
        if bottom > page_height + TOLERANCE_MM:
            errors.append(("rows", f"the last row ends at {bottom:.2f} mm, past the page height of {page_height} mm"))
    return errors
