"""Request and response bodies of API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from services.identity.base.domain import Role
from shared.schemas import Moment, StrictBody


class ApiTokenCreate(StrictBody):
    """A name to recognise the token by, its role, and when it expires (a date, or days from now)."""

    name: str = Field(min_length=1, max_length=200)
    role: Role = Field(description="At most the creator's role")
    expires_at: Moment | None = Field(default=None, description="At most a year from now; or give ttl_days")
    ttl_days: int | None = Field(default=None, ge=1, le=365, description="Days from now; or give expires_at")


class ApiTokenRead(BaseModel):
    """An API token as listed: never the token itself."""

    id: uuid.UUID = Field(description="Also the token's jti")
    name: str
    role: Role
    user_id: uuid.UUID = Field(description="The user who made it; the token acts as them (sub)")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool = Field(description="Neither revoked nor expired")


class ApiTokenCreated(ApiTokenRead):
    """A new API token, with the token shown this once."""

    token: str = Field(description="Send as Authorization: Bearer; shown once, only its SHA-256 is kept")
