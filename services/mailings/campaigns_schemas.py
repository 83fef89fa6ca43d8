"""Request and response bodies of the campaign, label-format and render routes (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from services.mailings.paper.formats import MAX_COLUMNS, MAX_ROWS
from shared.schemas import StrictBody

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\r\n]*$")]
Millimetres = Annotated[float, Field(allow_inf_nan=False)]
# A printer is rarely off by more than a few millimetres; 20 is a generous bound that still catches typos.
Offset = Annotated[float, Field(ge=-20.0, le=20.0, allow_inf_nan=False)]


class Selection(StrictBody):
    """Which clients: a search (any list query parameter), a saved segment or ids; checked by the clients service."""

    search: dict[str, Any] | None = None
    segment_id: Id | None = None
    client_ids: Annotated[list[Id] | None, Field(min_length=1, max_length=100_000)] = None
    tab: Annotated[str, Field(max_length=20)] = "all"


class CampaignCreate(StrictBody):
    """A campaign to create: its name and whom it goes to (resolved and kept now)."""

    name: Name
    selection: Selection


class CampaignUpdate(StrictBody):
    """Fields to change; merge fields such as {{first_name}} are allowed in the title and the text."""

    multiline = frozenset({"text"})

    name: Name | None = None
    title: Annotated[str, Field(max_length=300)] | None = None
    text: Annotated[str, Field(max_length=20_000)] | None = None


class BackgroundRead(BaseModel):
    """A campaign's background image."""

    mime_type: str
    width: int
    height: int
    size: int


class CampaignRead(BaseModel):
    """A campaign: its text, its status (draft, printed) and how many clients it reaches or leaves out."""

    id: int
    name: str
    title: str
    text: str
    status: Literal["draft", "printed"]
    selection: dict[str, Any]
    recipients: int
    excluded: int
    background: BackgroundRead | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    printed_at: datetime | None
    href: str


class CampaignPage(BaseModel):
    """A page of campaigns, newest first, and the next page's link."""

    items: list[CampaignRead]
    next: str | None


class AddressBlock(BaseModel):
    """A postal address as kept in a campaign's snapshot."""

    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country_code: str | None = None


class RecipientRead(BaseModel):
    """A recipient as snapshotted when the campaign was created, in print order."""

    position: int
    client_id: int
    display_name: str
    kind: str
    title: str | None
    first_name: str | None
    last_name: str | None
    company_name: str | None
    address: AddressBlock


class RecipientPage(BaseModel):
    """A page of recipients and the next page's link."""

    items: list[RecipientRead]
    next: str | None


class ExclusionRead(BaseModel):
    """A client of the selection left out: refuses_mailing, no_address or undeliverable (with the detail)."""

    client_id: int
    display_name: str
    reason: Literal["refuses_mailing", "no_address", "undeliverable"]
    detail: str | None


class ExclusionPage(BaseModel):
    """A page of left-out clients and the next page's link."""

    items: list[ExclusionRead]
    next: str | None


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


class RenderCreate(StrictBody):
    """What to print: the letters, or the labels on a sheet format (skipping the first labels of a used sheet)."""

    kind: Literal["letters", "labels"]
    format: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    skip: Annotated[int, Field(ge=0, le=10_000)] = 0


class RenderRead(BaseModel):
    """A render job and its progress; ``download_url`` appears when the PDF is ready."""

    id: int
    campaign_id: int
    kind: str
    format: str | None
    skip: int
    offset_x_mm: float
    offset_y_mm: float
    state: Literal["queued", "running", "done", "failed"]
    percent: int
    pages_done: int
    pages_total: int | None
    attempts: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    href: str
    download_url: str | None
