"""The audit event every service publishes for an action the account's owners must be able to trace.

Each service publishes it on its own exchange, in the transaction of the action (outbox); the
identity service keeps the trail and answers owners' questions about it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.events.envelope import Event


class AuditPayload(BaseModel):
    """Who did what, to what, when and from which address."""

    action: str = Field(description="What was done, e.g. 'client.erased', 'export.started', 'campaign.printed'")
    user_id: uuid.UUID | None = Field(description="Who did it; None for the system or the command line")
    role: str | None = None
    target: str | None = Field(default=None, description="What it was done to, e.g. 'client:42'")
    client_address: str | None = Field(default=None, description="The address the request came from")
    at: datetime
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditRecorded(Event):
    """An action worth auditing happened (erasure, merge, deletion, block, export, printed campaign...)."""

    TYPE = "audit.recorded"
    type: Literal["audit.recorded"] = "audit.recorded"
    payload: AuditPayload
