"""Request and response bodies of the label-sheet routes (pydantic)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.mailings.paper.formats import MAX_COLUMNS, MAX_ROWS
from services.mailings.schema_types import Name
from shared.schemas import StrictBody

Millimetres = Annotated[float, Field(allow_inf_nan=False)]
# A printer is rarely off by more than a few millimetres; 20 is a generous bound that still catches typos.
Offset = Annotated[float, Field(ge=-20.0, le=20.0, allow_inf_nan=False)]


class LabelFormatBody(StrictBody):
    """A label sheet's geometry in millimetres: first label's top-left corner, label size and pitch."""

    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    name: Name
    paper: Literal["A4", "Letter"]
    columns: Annotated[int, Field(ge=1, le=MAX_COLUMNS)]
    rows: Annotated[int, Field(ge=1, le=MAX_ROWS)]
    label_width_mm: Millimetres
    label_height_mm: Millimetres
    left_mm: Millimetres
    top_mm: Millimetres
    pitch_x_mm: Millimetres
    pitch_y_mm: Millimetres
    corner_radius_mm: Millimetres = 0.0


class LabelFormatRead(BaseModel):
    """A label-sheet format: seeded (from the reference table) or the account's own."""

    code: str
    name: str
    paper: str
    columns: int
    rows: int
    label_width_mm: float
    label_height_mm: float
    left_mm: float
    top_mm: float
    pitch_x_mm: float
    pitch_y_mm: float
    corner_radius_mm: float
    labels_per_sheet: int
    seeded: bool


class LabelSettingsBody(StrictBody):
    """The printer's calibration: positive x moves the print right, positive y down (±20 mm)."""

    offset_x_mm: Offset = 0.0
    offset_y_mm: Offset = 0.0
