"""The envelope every message carries, whatever its payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

E = TypeVar("E", bound="Event")


class Event(BaseModel):
    """Event envelope: id, type, schema version, time, tenant, correlation id and payload."""

    model_config = ConfigDict(frozen=True)

    TYPE: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 1

    event_id: uuid.UUID = Field(description="Unique id; also the AMQP message id and the outbox row id")
    type: str = Field(description="'<aggregate>.<event>', also the routing key")
    schema_version: int = 1
    occurred_at: datetime
    account_id: uuid.UUID = Field(description="The tenant the event belongs to")
    correlation_id: str | None = Field(default=None, description="The request that caused it")
    payload: Any

    @property
    def routing_key(self) -> str:
        """The routing key this event travels under."""
        return self.type


def new_event(
    event_class: type[E],
    *,
    account_id: uuid.UUID,
    payload: BaseModel,
    correlation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> E:
    """Stamp a payload with a fresh envelope of the given event class."""
    return event_class(
        event_id=uuid.uuid4(),
        type=event_class.TYPE,
        schema_version=event_class.SCHEMA_VERSION,
        occurred_at=occurred_at or datetime.now(UTC),
        account_id=account_id,
        correlation_id=correlation_id,
        payload=payload,
    )
