"""Apply consumed events in batches: one transaction and one commit for many events.

One transaction per event caps a consumer at a few hundred events a second, most of it
spent on round trips and commits. Subscribers hand their events to a ``BatchApplier``
without acknowledging them; the applier claims the whole batch in the inbox, applies it
in one transaction and acknowledges the messages only after the commit. If a batch fails,
its events are retried one by one, so a poison message is nacked (and dead-lettered after
the queue's delivery limit) without holding back the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aio_pika
from asgi_correlation_id import correlation_id
from faststream import BaseMiddleware
from faststream.rabbit.message import RabbitMessage
from opentelemetry import trace
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events.envelope import Event
from shared.inbox import claim_events
from shared.observability.metrics import EVENTS_CONSUMED
from shared.observability.tracing import tracer

log = logging.getLogger(__name__)

# Applies events already claimed in the inbox, inside the caller's transaction.
ApplyBatch = Callable[[AsyncSession, Sequence[Event]], Awaitable[None]]


@dataclass(slots=True)
class _Pending:
    event: Event
    message: RabbitMessage
    # The span of the message's delivery: the batch's span links to it (a batch has many parents).
    span_context: trace.SpanContext


class BatchApplier:
    """Collects events from subscribers and applies them in batches, acking after commit."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        consumer: str,
        apply: ApplyBatch,
        max_batch: int = 200,
        max_wait_seconds: float = 0.005,
    ) -> None:
        self.sessions = sessions
        self.inbox = inbox
        self.consumer = consumer
        self.apply = apply
        self.max_batch = max_batch
        self.max_wait_seconds = max_wait_seconds
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()

    async def submit(self, event: Event, message: RabbitMessage) -> None:
        """Queue an event; its message is acknowledged once the batch holding it commits."""
        await self._queue.put(_Pending(event, message, trace.get_current_span().get_span_context()))

    async def run(self) -> None:
        """Apply batches until cancelled; a lone event waits a few milliseconds for company."""
        while True:
            batch = [await self._queue.get()]
            if self._queue.qsize() < self.max_batch - 1:
                await asyncio.sleep(self.max_wait_seconds)
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._apply_batch(batch)
            except Exception:
                # E.g. an ack on a channel that closed: the broker redelivers those messages and
                # the inbox skips them; the applier itself must outlive the incident.
                log.exception("acknowledging a batch failed")

    async def _apply_batch(self, batch: list[_Pending]) -> None:
        try:
            await self._commit(batch)
        except Exception:
            log.warning("batch of %d events failed; applying them one by one", len(batch), exc_info=True)
            for pending in batch:
                try:
                    await self._commit([pending])
                except Exception:
                    log.exception("event %s failed", pending.event.event_id)
                    EVENTS_CONSUMED.labels(self.consumer, pending.event.type, "failed").inc()
                    with contextlib.suppress(Exception):
                        await pending.message.nack(requeue=True)
                    continue
                await pending.message.ack()
            return
        # Ack frames need no answer: write them all, then wait once (one by one, the next
        # batch waited for every write).
        await asyncio.gather(*(pending.message.ack() for pending in batch))

    async def _commit(self, batch: list[_Pending]) -> None:
        events = [p.event for p in batch]
        links = [trace.Link(p.span_context) for p in batch if p.span_context.is_valid]
        with tracer.start_as_current_span(f"apply {len(events)} events", links=links) as span:
            span.set_attribute("negoce.consumer", self.consumer)
            async with self.sessions() as session, session.begin():
                claimed = await claim_events(
                    session, self.inbox, consumer=self.consumer, event_ids=[e.event_id for e in events]
                )
                fresh, seen = [], set()
                for event in events:  # a batch may hold the same event twice (redelivery)
                    if event.event_id in claimed and event.event_id not in seen:
                        seen.add(event.event_id)
                        fresh.append(event)
                if fresh:
                    token = correlation_id.set(fresh[0].correlation_id or str(fresh[0].event_id))
                    try:
                        await self.apply(session, fresh)
                    finally:
                        correlation_id.reset(token)
        applied = {id(event) for event in fresh}
        for event in events:
            outcome = "applied" if id(event) in applied else "duplicate"
            EVENTS_CONSUMED.labels(self.consumer, event.type, outcome).inc()


_current_message: ContextVar[RabbitMessage] = ContextVar("negoce_current_message")


def current_message() -> RabbitMessage:
    """The message being consumed, for handlers that acknowledge it themselves."""
    return _current_message.get()


class ManualAckScope(BaseMiddleware):
    """For subscribers with manual acknowledgement: expose the message, and nack it on failure.

    Handlers read the message from ``current_message()`` instead of an injected parameter,
    which FastStream resolves in a worker thread for every message (a tenth of the
    consumer's time). A body that does not parse never reaches the applier, so nobody would
    acknowledge it; a nack with requeue sends it back until the delivery limit dead-letters it.
    """

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        """Run the handler with the message available to it."""
        token = _current_message.set(msg)
        try:
            return await call_next(msg)
        finally:
            _current_message.reset(token)

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool | None:
        """Nack the raw message when processing raised (not on cancellation)."""
        if exc_type is not None and not issubclass(exc_type, asyncio.CancelledError):
            raw = self.msg
            if isinstance(raw, aio_pika.abc.AbstractIncomingMessage) and not raw.processed:
                await raw.nack(requeue=True)
        return False
