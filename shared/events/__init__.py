"""Message contracts: the envelope and every event's payload (pydantic)."""

from shared.events.envelope import Event, new_event

__all__ = ["Event", "new_event"]
