"""Bodies of the exports: a background export asked for, and its progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.clients.base.list_order import SORT_DESCRIPTION, Direction, SortKey
from services.clients.exports.repository import ExportKind
from services.clients.selections.schemas import Selection
from shared.schemas import StrictBody


class ExportJobRead(BaseModel):
    """A background export and its progress; ``download_url`` appears when it is done."""

    id: uuid.UUID
    kind: str
    format: str
    state: str
    percent: int
    rows_done: int
    rows_total: int | None
    attempts: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    download_url: str | None


class ExportRequest(StrictBody):
    """A spreadsheet to build in the background."""

    kind: ExportKind = "clients"
    format: Literal["xlsx", "csv"] = "xlsx"
    selection: Selection = Field(default_factory=Selection)
    sort: SortKey | None = Field(None, description=SORT_DESCRIPTION)
    direction: Direction = "asc"
