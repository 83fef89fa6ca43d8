"""Bodies of categories and tags."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from services.clients.base.schemas import Strict


class NamedCreate(Strict):
    """A category or tag to create or rename."""

    name: Annotated[str, Field(min_length=1, max_length=100)]


class NamedRead(BaseModel):
    """A category or tag."""

    id: int
    name: str
