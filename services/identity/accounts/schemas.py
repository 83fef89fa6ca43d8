"""Response bodies of accounts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class AccountRead(BaseModel):
    """The signed-in user's account."""

    id: uuid.UUID
    name: str
    created_at: datetime
    closed_at: datetime | None
