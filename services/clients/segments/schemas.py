"""Bodies of saved searches (segments)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from services.clients.search.params import SearchBody
from shared.schemas import StrictBody

SegmentName = Annotated[str, Field(min_length=1, max_length=100)]


class SegmentCreate(StrictBody):
    """A name and the search it saves."""

    name: SegmentName
    search: SearchBody


class SegmentUpdate(StrictBody):
    """A new name, a new search, or both."""

    name: SegmentName | None = None
    search: SearchBody | None = None


class SegmentRead(BaseModel):
    """A saved search; use it with GET /api/clients?segment_id= or in an export's selection."""

    id: int
    name: str
    search: dict[str, Any]
    created_at: datetime
    updated_at: datetime
