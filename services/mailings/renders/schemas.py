"""Request and response bodies of the render routes (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.schemas import StrictBody


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
