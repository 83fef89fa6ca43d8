"""Response bodies of the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEntryRead(BaseModel):
    """One action: who did it, with which role, to what, when, from which address, in which service."""

    id: int
    at: datetime
    user_id: uuid.UUID | None = Field(description="None for the system or the command line")
    role: str | None
    action: str = Field(description="e.g. session.signed_in, user.disabled, api_token.created, client.erased")
    target: str | None = Field(description="What it was done to, e.g. user:<id>, client:42")
    client_address: str | None
    detail: dict[str, Any]
    source: str = Field(description="The service the action happened in")


class AuditPage(BaseModel):
    """A page of the trail, newest first, and the link to the next (older) page."""

    items: list[AuditEntryRead]
    next: str | None = Field(description="The next page's path with its filters; None on the last page")
