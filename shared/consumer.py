"""Apply an event at most once: the inbox row and the effect share one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgi_correlation_id import correlation_id
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events.envelope import Event
from shared.inbox import claim_event
from shared.observability.metrics import EVENTS_CONSUMED
from shared.observability.tracing import tracer

Effect = Callable[[AsyncSession], Awaitable[None]]


async def apply_once(
    *,
    sessions: async_sessionmaker[AsyncSession],
    inbox: Table,
    consumer: str,
    event: Event,
    effect: Effect,
) -> bool:
    """Run ``effect`` unless this consumer already applied the event; True when applied.

    Raising rolls back both the inbox row and the effect, so the broker redelivers. The span is a
    child of the message's (whose headers carry the trace of the request that wrote the event).
    """
    token = correlation_id.set(event.correlation_id or str(event.event_id))
    outcome = "failed"
    try:
        with tracer.start_as_current_span(
            f"apply {event.type}", attributes={"negoce.consumer": consumer, "negoce.event_id": str(event.event_id)}
        ) as span:
            async with sessions() as session, session.begin():
                if not await claim_event(session, inbox, consumer=consumer, event_id=event.event_id):
                    outcome = "duplicate"
                    span.set_attribute("negoce.outcome", outcome)
                    return False
                await effect(session)
            outcome = "applied"
            span.set_attribute("negoce.outcome", outcome)
        return True
    finally:
        EVENTS_CONSUMED.labels(consumer, event.type, outcome).inc()
        correlation_id.reset(token)
