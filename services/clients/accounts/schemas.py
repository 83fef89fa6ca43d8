"""Bodies of the account's client-base settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from services.clients.base.domain import NameOrder
from services.clients.base.schemas import Strict


class AccountSettingsRead(BaseModel):
    """Client-base settings of the account."""

    name: str
    name_order: NameOrder
    accounting_prefix: str
    timezone: str


class AccountSettingsUpdate(Strict):
    """Settings to change."""

    name_order: NameOrder | None = None
    accounting_prefix: Annotated[str | None, Field(default=None, min_length=1, max_length=10, pattern=r"^[A-Z0-9]+$")]
