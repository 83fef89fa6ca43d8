"""Response bodies of a client's timeline (pydantic)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class TimelineEntryRead(BaseModel):
    """One line of the client's timeline."""

    id: int
    occurred_at: datetime
    kind: str = Field(description="What happened, e.g. invoice.issued or client.created")
    category: str = Field(description="The filter the entry falls under, e.g. invoice or note")
    text: str
    object_type: str = Field(description="client, note, order, invoice, shipment, payment, reminder, email or mailing")
    object_id: int | None
    amount_cents: int | None
    link: str | None = Field(description="Where the object lives in the API")


class TimelinePage(BaseModel):
    """A page of a client's timeline, newest first, and the cursor of the next page."""

    items: list[TimelineEntryRead]
    next_cursor: str | None
