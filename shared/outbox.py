"""Transactional outbox: events are rows written with the change, published by a relay."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Any

import asyncpg
import orjson
from asgi_correlation_id import correlation_id
from faststream.rabbit import RabbitBroker, RabbitExchange
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    Row,
    Table,
    Text,
    delete,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events.envelope import E, Event, new_event
from shared.observability.tracing import continued_trace, current_traceparent
from shared.waiting import wait_until_set

log = logging.getLogger(__name__)


def define_outbox(metadata: MetaData, *, indexed_by_client: bool = False) -> Table:
    """The outbox table in a service's metadata; the row id is the event id.

    ``indexed_by_client``: for a service whose events carry personal data, so that an erasure
    finds the events naming a client without reading the whole outbox (erase_client_events).
    """
    table = Table(
        "outbox",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("position", BigInteger, Identity(always=True), nullable=False, unique=True),
        Column("account_id", UUID(as_uuid=True), nullable=False),
        Column("routing_key", Text, nullable=False),
        Column("body", JSONB, nullable=False),
        Column("correlation_id", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        # The W3C trace context of the transaction that wrote the event: the relay publishes the
        # event inside it, so the consumers' spans join the request's trace.
        Column("traceparent", Text),
    )
    Index("ix_outbox_pending", table.c.position, postgresql_where=table.c.published_at.is_(None))
    if indexed_by_client:
        # Written as PostgreSQL shows it back, so that comparing models with migrations sees no change;
        # the planner matches it with _client_of's expression.
        Index("ix_outbox_client", table.c.account_id, text("((body -> 'payload'::text) ->> 'client_id'::text)"))
    return table


def _client_of(outbox: Table) -> Any:
    """The client an event is about, as text: the ``client_id`` of its payload.

    Spelled like ix_outbox_client, with inline constants (``body['payload']`` or bound keys would
    be another expression to the planner, which would then read the account's whole outbox).
    """
    payload = outbox.c.body.op("->")(literal_column("'payload'"))
    return payload.op("->>", return_type=Text)(literal_column("'client_id'"))


# Given an event's routing key and payload, the payload without the erased clients' personal data.
Redact = Callable[[str, dict[str, Any]], dict[str, Any]]


async def erase_client_events(
    session: AsyncSession,
    outbox: Table,
    *,
    account_id: uuid.UUID,
    client_ids: Collection[int],
    redact: Redact,
) -> None:
    """Take erased clients' personal data out of the outbox (GDPR).

    A relayed row is only history holding a copy of personal data: it goes. A pending row must
    still reach the consumers (a merge, a snapshot's version), so it stays, its payload redacted.
    The rows are locked first: a relay publishing one right now is waited for, and the row is then
    seen as relayed. Rows are found by the ``client_id`` of their payload (ix_outbox_client);
    events about several clients (``client_ids``, a printed mailing) carry no personal data.
    """
    ids = sorted(set(client_ids))
    if not ids:
        return
    rows = (
        await session.execute(
            select(outbox.c.id, outbox.c.routing_key, outbox.c.body, outbox.c.published_at)
            .where(outbox.c.account_id == account_id, _client_of(outbox).in_([str(i) for i in ids]))
            .order_by(outbox.c.position)
            .with_for_update()
        )
    ).all()
    relayed = [row.id for row in rows if row.published_at is not None]
    if relayed:
        await session.execute(delete(outbox).where(outbox.c.id.in_(relayed)))
    for row in rows:
        if row.published_at is None:
            redacted = redact(row.routing_key, row.body["payload"])
            if redacted != row.body["payload"]:
                await session.execute(
                    update(outbox).where(outbox.c.id == row.id).values(body={**row.body, "payload": redacted})
                )


def notify_channel(service: str) -> str:
    """The LISTEN/NOTIFY channel on which a service's outbox announces new rows."""
    return f"outbox_{service}"


def notify_trigger_sql(service: str) -> tuple[str, str]:
    """DDL (create, drop) for a statement-level trigger that wakes the relay on insert."""
    channel = notify_channel(service)
    create = f"""
    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('{channel}', ''); RETURN NULL; END $$;
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
    """
    drop = "DROP TRIGGER IF EXISTS outbox_notify ON outbox; DROP FUNCTION IF EXISTS outbox_notify();"
    return create, drop


async def add_events(session: AsyncSession, outbox: Table, events: Sequence[Event]) -> None:
    """Write events in the caller's transaction; they leave only if it commits."""
    if not events:
        return
    traceparent = current_traceparent()
    await session.execute(
        outbox.insert(),
        [
            {
                "id": e.event_id,
                "account_id": e.account_id,
                "routing_key": e.routing_key,
                "body": e.model_dump(mode="json"),
                "correlation_id": e.correlation_id,
                "traceparent": traceparent,
            }
            for e in events
        ],
    )


async def add_event(
    session: AsyncSession, outbox: Table, event_class: type[E], *, account_id: uuid.UUID, payload: BaseModel
) -> E:
    """Stamp a payload with an envelope carrying the current correlation id, and write it."""
    event = new_event(event_class, account_id=account_id, payload=payload, correlation_id=correlation_id.get())
    await add_events(session, outbox, [event])
    return event


class OutboxRelay:
    """Publishes pending outbox rows with publisher confirms, then marks them published.

    A crash after publishing and before marking re-publishes the same rows with the same
    message ids on restart; consumers' inboxes make that harmless (at-least-once).
    """

    def __init__(
        self,
        *,
        service: str,
        outbox: Table,
        sessions: async_sessionmaker[AsyncSession],
        broker: RabbitBroker,
        exchange: RabbitExchange,
        listen_dsn: str,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
    ) -> None:
        self.service = service
        self.outbox = outbox
        self.sessions = sessions
        self.broker = broker
        self.exchange = exchange
        self.listen_dsn = listen_dsn
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wakeup = asyncio.Event()
        self._exchange_declared = False

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; returns how many were published."""
        o = self.outbox
        async with self.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(o.c.id, o.c.routing_key, o.c.body, o.c.correlation_id, o.c.traceparent)
                    .where(o.c.published_at.is_(None))
                    .order_by(o.c.position)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            if not self._exchange_declared:
                # Declared once up front: concurrent first publishes would race to declare it.
                await self.broker.declare_exchange(self.exchange)
                self._exchange_declared = True
            # Sent in order on one channel; confirms are awaited together for throughput.
            await asyncio.gather(*(self._publish(row) for row in rows))
            await self._mark_published(session, [r.id for r in rows])
        return len(rows)

    async def _mark_published(self, session: AsyncSession, ids: list[object]) -> None:
        o = self.outbox
        await session.execute(update(o).where(o.c.id.in_(ids)).values(published_at=func.now()))

    async def _publish(
        self, row: Row[Any, Any, Any, Any, Any]
    ) -> None:  # id, routing_key, body, correlation_id, traceparent
        # Each publish runs in a task of its own (gather), so the trace it continues stays its own.
        with continued_trace(row.traceparent):
            await self.broker.publish(
                orjson.dumps(row.body),
                exchange=self.exchange,
                routing_key=row.routing_key,
                persist=True,
                message_id=str(row.id),
                correlation_id=row.correlation_id,
                content_type="application/json",
                message_type=row.routing_key,
            )

    async def drain(self) -> int:
        """Publish until nothing is pending; returns the total published."""
        total = 0
        while published := await self.publish_pending():
            total += published
        return total

    async def run(self) -> None:
        """Run until cancelled: wake on NOTIFY, poll as a safety net, back off on errors."""
        listener: asyncpg.Connection | None = None
        try:
            while True:
                if listener is None or listener.is_closed():
                    # Listening again after a lost connection: without it every event would wait for the poll.
                    listener = await self._listen()
                # Cleared before the drain, never after: a notification that arrives while
                # draining must wake the next round, or its row waits a whole poll period.
                self._wakeup.clear()
                try:
                    await self.drain()
                except Exception:  # broker or database hiccup: rows stay pending, retry later
                    log.exception("outbox relay failed; retrying", extra={"service": self.service})
                    await asyncio.sleep(self.poll_seconds)
                await wait_until_set(self._wakeup, timeout=self.poll_seconds)
        finally:
            if listener is not None and not listener.is_closed():
                await listener.close()

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            connection = await asyncpg.connect(self.listen_dsn, timeout=5)
            await connection.add_listener(notify_channel(self.service), lambda *_: self._wakeup.set())
            return connection
        except (OSError, asyncpg.PostgresError):
            log.warning("outbox LISTEN unavailable; polling until it is back", extra={"service": self.service})
            return None
