"""Gauges a service computes when it is scraped: its outbox backlog, its job queues, its dead letters.

Computed at scrape time rather than by a loop, so an idle Prometheus costs nothing and every value
is as fresh as the scrape. Several replicas of a service report the same values (they share the
database and the queues): dashboards take ``max by (service)``.

Dead letters are counted with a passive queue declaration on a connection of the gauges' own: the
broker answers with the queue's message count, needing no management plugin and no credentials
beyond the service's own. A queue that does not exist yet closes the channel; it is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aio_pika
from sqlalchemy import ColumnElement, FromClause, Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.messaging import dead_letter_queue_name
from shared.observability import repository
from shared.observability.metrics import DEAD_LETTERS, JOBS_OLDEST_AGE, JOBS_WAITING, OUTBOX_OLDEST_AGE, OUTBOX_PENDING

log = logging.getLogger(__name__)
SCRAPE_SECONDS = 3.0


@dataclass(frozen=True)
class JobQueue:
    """A table used as a queue whose backlog the service's /metrics shows: rows ``waiting``, aged by ``since``."""

    name: str
    table: FromClause
    waiting: ColumnElement[bool]
    since: str = "created_at"


class ScrapeTimeGauges:
    """Sets the backlog gauges of one service from its database and broker, when asked to by a scrape."""

    def __init__(
        self,
        *,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Table,
        amqp_url: str,
        consumer_queues: Callable[[], Sequence[str]],
        job_queues: Sequence[JobQueue] = (),
    ) -> None:
        self.service = service
        self.sessions = sessions
        self.outbox = outbox
        self.amqp_url = amqp_url
        self.consumer_queues = consumer_queues
        self.job_queues = list(job_queues)
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        """Read the backlogs and set the gauges; a failing source is logged and leaves its gauges as they were."""
        async with self._lock:  # concurrent scrapes share one reading instead of doubling the queries
            try:
                async with asyncio.timeout(SCRAPE_SECONDS):
                    await self._database()
            except Exception:
                log.warning("metrics: the database backlogs could not be read", exc_info=True)
            try:
                async with asyncio.timeout(SCRAPE_SECONDS):
                    await self._dead_letters()
            except Exception:
                log.warning("metrics: the dead-letter queues could not be read", exc_info=True)

    async def aclose(self) -> None:
        """Close the broker connection the dead-letter counts use (at the end of the lifespan)."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def _database(self) -> None:
        async with self.sessions() as session, session.begin():
            outbox = await repository.outbox_backlog(session, self.outbox)
            queues = [
                (
                    queue.name,
                    await repository.queue_backlog(session, queue.table, waiting=queue.waiting, since=queue.since),
                )
                for queue in self.job_queues
            ]
        OUTBOX_PENDING.labels(self.service).set(outbox.waiting)
        OUTBOX_OLDEST_AGE.labels(self.service).set(outbox.oldest_age_seconds)
        for name, backlog in queues:
            JOBS_WAITING.labels(self.service, name).set(backlog.waiting)
            JOBS_OLDEST_AGE.labels(self.service, name).set(backlog.oldest_age_seconds)

    async def _dead_letters(self) -> None:
        queues = [dead_letter_queue_name(name) for name in self.consumer_queues()]
        if not queues:
            return
        if self._connection is None:
            self._connection = await aio_pika.connect_robust(self.amqp_url, timeout=SCRAPE_SECONDS)
        channel = await self._connection.channel()
        try:
            for queue in queues:
                if channel.is_closed:  # the previous queue was missing: the broker closed the channel
                    channel = await self._connection.channel()
                try:
                    declared = await channel.declare_queue(queue, passive=True)
                except aio_pika.exceptions.ChannelClosed:
                    continue
                DEAD_LETTERS.labels(self.service, queue).set(declared.declaration_result.message_count or 0)
        finally:
            if not channel.is_closed:
                await channel.close()
