"""Bodies of a client's notes: comments, calls and meetings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shared.schemas import Moment, StrictBody

NoteKind = Literal["comment", "call", "meeting"]
NoteText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class NoteCreate(StrictBody):
    """A note to add; its date is when the call or meeting took place (now if left out)."""

    multiline = frozenset({"text"})

    kind: NoteKind = "comment"
    noted_at: Moment | None = Field(default=None, description="With its UTC offset; now if left out")
    text: NoteText


class NoteUpdate(StrictBody):
    """The parts of a note to change."""

    multiline = frozenset({"text"})

    kind: NoteKind | None = None
    noted_at: Moment | None = None
    text: NoteText | None = None


class NoteRead(BaseModel):
    """A note on a client's sheet."""

    id: int
    client_id: int
    kind: NoteKind
    noted_at: datetime
    text: str
    by_user: str
    created_at: datetime
    updated_at: datetime


class NotePage(BaseModel):
    """A client's notes, newest first."""

    items: list[NoteRead]
