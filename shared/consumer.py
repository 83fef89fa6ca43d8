"""Apply an event at most once: the inbox row and the effect share one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgi_correlation_id import correlation_id
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events.envelope import Event
from shared.inbox import claim_event

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

    Raising rolls back both the inbox row and the effect, so the broker redelivers.
    """
    token = correlation_id.set(event.correlation_id or str(event.event_id))
    try:
        async with sessions() as session, session.begin():
            if not await claim_event(session, inbox, consumer=consumer, event_id=event.event_id):
                return False
            await effect(session)
        return True
    finally:
        correlation_id.reset(token)
