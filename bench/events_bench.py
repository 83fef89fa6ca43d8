"""Events benchmark: invoice.issued events into the clients read model, next to raw aio-pika.

What it measures, all in one run on this machine:

* Drain throughput of ONE clients service process (uvicorn, FastStream consumer, the real
  batch applier, ``read_model.apply_events``): N invoice.issued events are published while
  the service is stopped, then it is started and the ``inbox`` table of its database is
  polled every 50 ms until it holds N rows for consumer 'clients'. events/s counts from the
  first poll that saw a row (so the process start-up is left out; it is reported apart).
  Afterwards every event must have been applied: inbox rows, client_invoices, invoice lines,
  and the sum of clients.invoiced_total_cents must equal what was published.
* Delay at a steady rate R (default 500/s for D = 20 s) with the service running, published
  in bursts every 10 ms. Two delays per event:
    - processed_at: inbox.processed_at (the server's now(), i.e. the START of the consumer's
      transaction) minus the event's publish time. It leaves out the rest of the transaction
      and the commit, so it is a lower bound of "visible in the list".
    - list row (a sample, every 50th event): a poller reads that client's clients row (the
      columns the list shows) from the moment of publishing until it counts the invoice;
      sampled events go to clients no other event touches, so "counts it" is exact. Each
      delay is taken when the answer that showed it arrived (an upper bound; polls every
      5 ms, then every elapsed/20, at most 100 ms apart).
  When the consumer cannot keep up with R the delays grow with the backlog: the achieved
  consume rate and the backlog are reported (the wait is bounded), and the measurement is
  repeated at a rate it sustains (50 % of its drain rate) so that p99 means something.
* Baseline, same run, same machine, same message bodies: raw aio-pika in this process,
  publishing persistent messages with publisher confirms to a quorum queue declared like
  shared.messaging.consumer_queue and consuming them (the service's prefetch, ack each, nothing else):
  drain throughput of N pre-filled messages and delay at the same steady rates.

Targets (issue): >= 2,000 events/s per consumer process; p99 delay invoice -> updated list
row <= 250 ms at 500 events/s. Results go to bench/results/events.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import orjson

from bench.config import RESULTS_DIR, code_under_test, raw_dsn
from bench.events_stack import (
    AMQP_URL,
    DATABASE_URL,
    EVENTS_ACCOUNT_ID,
    VHOST,
    ConsumerProcess,
    CpuSample,
    cpu_share,
    delete_vhost,
    prepare_database,
    queue_depths,
    recreate_vhost,
    stopped_on_exit,
)
from bench.list_bench import percentile
from services.clients.app import create_app as create_clients_app
from services.clients.read_model.handlers import CONSUMER
from services.clients.settings import ClientsSettings
from services.orders.catalogue.domain import DEFAULT_CONTAINERS
from shared.events.envelope import new_event
from shared.events.orders import ContainerPayload, InvoiceIssued, InvoiceIssuedPayload, ProductLinePayload
from shared.messaging import ORDERS_EXCHANGE, consumer_queue
from shared.topology import declare_topology

TARGET_EVENTS_PER_SECOND = 2_000.0
TARGET_P99_MS = 250.0
TARGET_RATE = 500.0
ROUTING_KEY = InvoiceIssued.TYPE
RAW_EXCHANGE = "negoce.bench.raw"
PREFILL_WINDOW = 500  # publishes in flight (awaiting their confirm) while pre-filling
TICK = 0.010  # the steady publisher sends a burst every 10 ms
SAMPLE_POOL_SHARE = 0.2  # clients kept for sampled events only
INBOX_POLL = 0.050
SETTLE_SECONDS = 2.0  # pause between phases, after a CHECKPOINT
PRODUCTS = (
    "Château Lagrange",
    "Clos des Lunes",
    "Domaine de Chevalier",
    "Les Fiefs de Lagrange",
    "Crémant de Bordeaux",
    "Château Guiraud",
    "Mas Amiel",
    "Bordeaux supérieur",
)


# -- the events ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Outgoing:
    """One event ready to publish: its id, its client, what it adds, its bytes on the wire."""

    event_id: str
    client_id: int
    total_cents: int
    lines: int
    body: bytes
    expected_count: int = 0  # for a sampled event: the client's invoiced_orders_count once applied


class EventMaker:
    """invoice.issued envelopes as the orders service's relay sends them: unique invoice, order and line ids."""

    def __init__(self, client_ids: Sequence[int], *, seed: int = 500) -> None:
        self.rng = random.Random(seed)
        split = max(1, int(len(client_ids) * SAMPLE_POOL_SHARE))
        self.sample_pool = list(client_ids[-split:])
        self.others = list(client_ids[:-split])
        self.sample_counts: dict[int, int] = {}
        self.next_sample = 0
        self.invoice_id = 1_000_000
        self.line_id = 5_000_000
        self.containers = [
            ContainerPayload(container_id=i + 1, name=name, short_name=short, millilitres=ml, kind=kind)
            for i, (name, short, ml, kind) in enumerate(DEFAULT_CONTAINERS)
        ]

    def batch(self, count: int, *, sample_every: int = 0) -> list[Outgoing]:
        """``count`` events for random clients; every ``sample_every``-th goes to a client of its own."""
        return [
            self._sampled() if sample_every and i % sample_every == 0 else self._make(self.rng.choice(self.others))
            for i in range(count)
        ]

    def _sampled(self) -> Outgoing:
        client_id = self.sample_pool[self.next_sample % len(self.sample_pool)]
        self.next_sample += 1
        self.sample_counts[client_id] = self.sample_counts.get(client_id, 0) + 1
        event = self._make(client_id)
        event.expected_count = self.sample_counts[client_id]
        return event

    def _make(self, client_id: int) -> Outgoing:
        rng = self.rng
        self.invoice_id += 1
        lines = []
        for _ in range(rng.randint(1, 3)):
            self.line_id += 1
            quantity = Decimal(rng.choice((1, 2, 3, 6, 6, 12, 12, 24, 36)))
            unit = rng.randint(450, 9_500)
            variant = rng.randint(1, 400)
            lines.append(
                ProductLinePayload(
                    order_line_id=self.line_id,
                    variant_id=variant,
                    product_id=variant // 3 + 1,
                    product_name=rng.choice(PRODUCTS),
                    vintage=rng.choice((None, 2018, 2019, 2020, 2021, 2022)),
                    container=rng.choice(self.containers),
                    quantity=quantity,
                    unit_price_cents=unit,
                    line_total_cents=int(quantity * unit),
                )
            )
        total = sum(line.line_total_cents for line in lines)
        now = datetime.now(UTC)
        event = new_event(
            InvoiceIssued,
            account_id=EVENTS_ACCOUNT_ID,
            correlation_id=f"bench-{self.invoice_id}",
            payload=InvoiceIssuedPayload(
                invoice_id=self.invoice_id,
                invoice_number=f"F-{self.invoice_id:07d}",
                order_id=self.invoice_id,
                order_number=f"C-{self.invoice_id:07d}",
                client_id=client_id,
                issued_at=now,
                total_cents=total,
                lines=lines,
            ),
        )
        # Exactly what OutboxRelay puts on the wire: orjson of the event's JSON-mode dump.
        return Outgoing(
            event_id=str(event.event_id),
            client_id=client_id,
            total_cents=total,
            lines=len(lines),
            body=orjson.dumps(event.model_dump(mode="json")),
        )


def message(event: Outgoing) -> aio_pika.Message:
    """The AMQP message, with the relay's properties (persistent, message id = event id)."""
    return aio_pika.Message(
        event.body,
        message_id=event.event_id,
        correlation_id=f"bench-{event.event_id}",
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        type=ROUTING_KEY,
    )


# -- publishing ---------------------------------------------------------------------------------------


async def prefill(exchange: aio_pika.abc.AbstractExchange, events: Sequence[Outgoing]) -> float:
    """Publish every event with confirms, PREFILL_WINDOW in flight; returns the seconds it took."""
    started = time.perf_counter()
    for start in range(0, len(events), PREFILL_WINDOW):
        await asyncio.gather(
            *(exchange.publish(message(e), routing_key=ROUTING_KEY) for e in events[start : start + PREFILL_WINDOW])
        )
    return time.perf_counter() - started


@dataclass
class SteadyPublish:
    """What the steady publisher did."""

    rate: float
    sent: int = 0
    failed: int = 0
    started_wall: float = 0.0
    ended_wall: float = 0.0  # when the last event was handed to the client
    confirmed_wall: float = 0.0  # when the last confirm arrived
    max_late_ms: float = 0.0  # worst lateness of a 10 ms tick
    published_at: list[float] = field(default_factory=list)

    @property
    def achieved_rate(self) -> float:
        """Events per second actually sent."""
        span = self.ended_wall - self.started_wall
        return (self.sent - 1) / span if span > 0 and self.sent > 1 else 0.0


async def publish_steady(
    exchange: aio_pika.abc.AbstractExchange,
    events: Sequence[Outgoing],
    *,
    rate: float,
    on_sent: Callable[[int, float], None] | None = None,
) -> SteadyPublish:
    """Send ``events`` at ``rate``/s: every 10 ms, whatever is due by now; confirms are awaited aside."""
    loop = asyncio.get_running_loop()
    report = SteadyPublish(rate=rate, published_at=[0.0] * len(events))
    pending: set[asyncio.Future[Any]] = set()
    failures: list[BaseException] = []

    def done(task: asyncio.Future[Any]) -> None:
        pending.discard(task)
        if not task.cancelled() and (problem := task.exception()) is not None:
            failures.append(problem)

    start = loop.time()
    report.started_wall = time.time()
    try:
        await _send_on_schedule(exchange, events, rate, report, pending, done, on_sent, start)
    except BaseException:
        for task in pending:
            task.cancel()
        raise
    while pending:
        await asyncio.gather(*list(pending), return_exceptions=True)
    report.confirmed_wall = time.time()
    report.failed = len(failures)
    return report


async def _send_on_schedule(
    exchange: aio_pika.abc.AbstractExchange,
    events: Sequence[Outgoing],
    rate: float,
    report: SteadyPublish,
    pending: set[asyncio.Future[Any]],
    done: Callable[[asyncio.Future[Any]], None],
    on_sent: Callable[[int, float], None] | None,
    start: float,
) -> None:
    """The scheduler: at each 10 ms tick, hand over every event due by now (catching up if a tick was late)."""
    loop = asyncio.get_running_loop()
    tick = 0
    while report.sent < len(events):
        now = loop.time()
        report.max_late_ms = max(report.max_late_ms, (now - (start + tick * TICK)) * 1000)
        due = min(len(events), int(rate * (now - start)) + 1)
        while report.sent < due:
            index = report.sent
            wall = time.time()
            report.published_at[index] = wall
            task = asyncio.ensure_future(exchange.publish(message(events[index]), routing_key=ROUTING_KEY))
            pending.add(task)
            task.add_done_callback(done)
            if on_sent is not None:
                on_sent(index, wall)
            report.sent += 1
        report.ended_wall = report.published_at[report.sent - 1]
        tick += 1
        await asyncio.sleep(max(0.0, start + tick * TICK - loop.time()))


# -- figures ------------------------------------------------------------------------------------------


def distribution(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 (nearest rank), max and mean of millisecond samples."""
    if not samples_ms:
        return {"n": 0}
    return {
        "p50": round(percentile(list(samples_ms), 50), 2),
        "p95": round(percentile(list(samples_ms), 95), 2),
        "p99": round(percentile(list(samples_ms), 99), 2),
        "max": round(max(samples_ms), 2),
        "mean": round(statistics.fmean(samples_ms), 2),
        "n": len(samples_ms),
    }


async def inbox_count(conn: asyncpg.Connection) -> int:
    """Events the clients consumer applied so far."""
    return int(await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", CONSUMER))


async def processed_at(conn: asyncpg.Connection, events: Sequence[Outgoing]) -> dict[str, float]:
    """inbox.processed_at (epoch seconds) of these events, by event id, for those applied."""
    rows = await conn.fetch(
        "SELECT event_id::text AS id, extract(epoch FROM processed_at)::float8 AS at FROM inbox "
        "WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
        CONSUMER,
        [e.event_id for e in events],
    )
    return {r["id"]: r["at"] for r in rows}


def transactions(at: dict[str, float]) -> dict[str, float]:
    """Events per consumer transaction: events applied together share one processed_at (now() of their transaction)."""
    sizes: dict[float, int] = {}
    for t in at.values():
        sizes[t] = sizes.get(t, 0) + 1
    if not sizes:
        return {"transactions": 0}
    ordered = sorted(sizes.values())
    return {
        "transactions": len(ordered),
        "events_per_transaction_mean": round(statistics.fmean(ordered), 1),
        "events_per_transaction_p50": percentile(ordered, 50),
        "events_per_transaction_max": ordered[-1],
    }


@dataclass
class Ledger:
    """What was published to the clients service so far, to check it all arrived."""

    events: int = 0
    lines: int = 0
    total_cents: int = 0

    def add(self, events: Sequence[Outgoing]) -> None:
        """Count a batch as published."""
        self.events += len(events)
        self.lines += sum(e.lines for e in events)
        self.total_cents += sum(e.total_cents for e in events)


async def check_applied(conn: asyncpg.Connection, ledger: Ledger) -> dict[str, Any]:
    """Compare the read model with the ledger: every event applied exactly once."""
    row = await conn.fetchrow(
        """
        SELECT (SELECT count(*) FROM inbox WHERE consumer = $2) AS inbox,
               (SELECT count(*) FROM client_invoices WHERE account_id = $1) AS invoices,
               (SELECT count(*) FROM client_invoice_lines WHERE account_id = $1) AS lines,
               (SELECT count(*) FROM timeline_entries WHERE account_id = $1) AS timeline,
               (SELECT coalesce(sum(invoiced_total_cents), 0) FROM clients WHERE account_id = $1) AS total,
               (SELECT coalesce(sum(invoiced_orders_count), 0) FROM clients WHERE account_id = $1) AS orders
    """,
        EVENTS_ACCOUNT_ID,
        CONSUMER,
    )
    seen = {k: int(v) for k, v in dict(row).items()}
    expected = {
        "inbox": ledger.events,
        "invoices": ledger.events,
        "lines": ledger.lines,
        "timeline": ledger.events,
        "total": ledger.total_cents,
        "orders": ledger.events,
    }
    return {"ok": seen == expected, "seen": seen, "expected": expected}


# -- the run ------------------------------------------------------------------------------------------


@dataclass
class Context:
    """Connections the measurements share."""

    publisher: aio_pika.abc.AbstractRobustConnection
    clients_exchange: aio_pika.abc.AbstractExchange
    raw_exchange: aio_pika.abc.AbstractExchange
    raw_queue: aio_pika.abc.AbstractQueue
    db: asyncpg.Connection
    pollers: asyncpg.Pool
    ledger: Ledger
    consumer: ConsumerProcess
    max_wait: float


async def wait_for_inbox(ctx: Context, expected: int, deadline: float) -> int:
    """Poll the inbox every 50 ms until it holds ``expected`` rows or the wall clock passes ``deadline``."""
    count = await inbox_count(ctx.db)
    while count < expected and time.time() < deadline:
        ctx.consumer.check_alive()
        await asyncio.sleep(INBOX_POLL)
        count = await inbox_count(ctx.db)
    return count


async def settle(ctx: Context, seconds: float = SETTLE_SECONDS) -> None:
    """Between phases: flush PostgreSQL's dirty pages (CHECKPOINT) and let the broker's background work pass."""
    await ctx.db.execute("CHECKPOINT")
    await asyncio.sleep(seconds)


async def negoce_drain(ctx: Context, events: list[Outgoing]) -> dict[str, Any]:
    """Pre-fill the service's queue with the service stopped, start it, time until all are applied."""
    publish_seconds = await prefill(ctx.clients_exchange, events)
    ctx.ledger.add(events)
    before = await inbox_count(ctx.db)
    print(
        f"  published {len(events):,} events in {publish_seconds:.2f} s "
        f"({len(events) / publish_seconds:,.0f}/s, confirms); starting the service...",
        flush=True,
    )
    ctx.consumer.start()
    spawned = time.perf_counter()
    ready = asyncio.create_task(ctx.consumer.wait_ready())
    first_at = first_count = None
    cpu_start = None
    count = before
    deadline = time.perf_counter() + max(ctx.max_wait, 300.0)
    try:
        while count < before + len(events) and time.perf_counter() < deadline:
            ctx.consumer.check_alive()
            await asyncio.sleep(INBOX_POLL)
            count = await inbox_count(ctx.db)
            if first_at is None and count > before:
                first_at, first_count = time.perf_counter(), count - before
                cpu_start = CpuSample.take(ctx.consumer.pid)
        done_at = time.perf_counter()
        cpu_end = CpuSample.take(ctx.consumer.pid)
        ready_after = await ready
    finally:
        ready.cancel()
    applied = count - before
    if first_at is None or first_count is None or cpu_start is None:
        raise RuntimeError(f"the clients service applied no event within the wait\n{ctx.consumer.log}")
    at = await processed_at(ctx.db, events)
    span = max(at.values()) - min(at.values()) if len(at) > 1 else 0.0
    window = done_at - first_at
    rate = (applied - first_count) / window if window > 0 else 0.0
    return {
        "events": len(events),
        "applied": applied,
        "complete": applied == len(events),
        "publish_seconds": round(publish_seconds, 3),
        "publish_rate": round(len(events) / publish_seconds),
        "events_per_second": round(rate, 1),
        "events_per_second_processed_at_span": round((len(at) - 1) / span, 1) if span else None,
        "events_per_second_including_startup": round(applied / (done_at - spawned), 1),
        "batching": transactions(at),
        "seconds_from_first_applied": round(window, 3),
        "seconds_from_spawn": round(done_at - spawned, 3),
        "first_applied_after_spawn_s": round(first_at - spawned, 3),
        "ready_after_spawn_s": round(ready_after, 3),
        "cpu_cores_used": cpu_share(cpu_start, cpu_end),
        "cpu_ms_per_event": {
            name: round((getattr(cpu_end, name) - getattr(cpu_start, name)) * 1000 / max(applied - first_count, 1), 3)
            for name in ("consumer", "postgres", "rabbitmq", "machine_busy")
        },
        "check": await check_applied(ctx.db, ctx.ledger),
    }


async def negoce_steady(ctx: Context, events: list[Outgoing], rate: float) -> dict[str, Any]:
    """Publish at ``rate`` with the service running; delays from inbox.processed_at and from list-row polls."""
    ctx.ledger.add(events)
    expected = ctx.ledger.events
    sample_tasks: list[asyncio.Task[float | None]] = []
    sampled: list[int] = []
    stop_polling_at = [float("inf")]

    async def poll_row(event: Outgoing, published: float) -> float | None:
        while True:
            async with ctx.pollers.acquire() as conn:
                count = await conn.fetchval(
                    "SELECT invoiced_orders_count FROM clients WHERE account_id = $1 AND id = $2",
                    EVENTS_ACCOUNT_ID,
                    event.client_id,
                )
            now = time.time()
            if count >= event.expected_count:
                return (now - published) * 1000
            if now > stop_polling_at[0]:
                return None
            await asyncio.sleep(min(0.100, max(0.005, (now - published) / 20)))

    def on_sent(index: int, wall: float) -> None:
        if events[index].expected_count:
            sampled.append(index)
            sample_tasks.append(asyncio.create_task(poll_row(events[index], wall)))

    try:
        cpu_start = CpuSample.take(ctx.consumer.pid)
        published = await publish_steady(ctx.clients_exchange, events, rate=rate, on_sent=on_sent)
        cpu_end = CpuSample.take(ctx.consumer.pid)
        at_end = await inbox_count(ctx.db)
        deadline = published.ended_wall + ctx.max_wait
        stop_polling_at[0] = deadline
        final = await wait_for_inbox(ctx, expected, deadline)
        waited = time.time() - published.ended_wall
        row_delays = [d for d in await asyncio.gather(*sample_tasks) if d is not None]
    finally:
        for task in sample_tasks:  # on error or Ctrl-C: no poller outlives the pool
            task.cancel()
    at = await processed_at(ctx.db, events)
    delays = [(at[e.event_id] - published.published_at[i]) * 1000 for i, e in enumerate(events) if e.event_id in at]
    in_window = sum(1 for t in at.values() if t <= published.ended_wall)
    span = published.ended_wall - published.started_wall
    backlog_at_end = expected - at_end
    consumed_rate = in_window / span if span > 0 else 0.0
    result = {
        "rate": rate,
        "seconds": round(span, 2),
        "published": published.sent,
        "publish_failures": published.failed,
        "achieved_publish_rate": round(published.achieved_rate, 1),
        "max_tick_late_ms": round(published.max_late_ms, 1),
        "confirm_lag_ms": round((published.confirmed_wall - published.ended_wall) * 1000, 1),
        "consumed_rate_while_publishing": round(consumed_rate, 1),
        "backlog_at_publish_end": backlog_at_end,
        "backlog_after_wait": expected - final,
        "waited_after_publish_s": round(waited, 2),
        "applied_at_all": len(at),
        "applied_after_publish_rate": None,
        "kept_up": consumed_rate >= 0.97 * rate and backlog_at_end <= max(25, rate * 0.5),
        "processed_at_ms": distribution(delays),
        "batching": transactions(at),
        "list_row_ms": distribution(row_delays),
        "list_row_samples": len(sampled),
        "list_row_unseen": len(sampled) - len(row_delays),
        "cpu_cores_used_while_publishing": cpu_share(cpu_start, cpu_end),
        "check": await check_applied(ctx.db, ctx.ledger)
        if final >= expected
        else {"ok": None, "pending": expected - final},
    }
    if backlog_at_end > 0 and final > at_end and at:
        # How fast the service worked off the backlog once publishing stopped.
        tail = sorted(t for t in at.values() if t > published.ended_wall)
        if len(tail) > 1 and tail[-1] > tail[0]:
            result["applied_after_publish_rate"] = round((len(tail) - 1) / (tail[-1] - tail[0]), 1)
    return result


async def raw_drain(ctx: Context, events: list[Outgoing], timeout: float) -> dict[str, Any]:
    """Pre-fill the raw quorum queue, then consume and ack it all (the service's prefetch) in this process."""
    publish_seconds = await prefill(ctx.raw_exchange, events)
    seen = 0
    finished = asyncio.Event()

    async def on_message(incoming: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal seen
        await incoming.ack()
        seen += 1
        if seen >= len(events):
            finished.set()

    cpu_start = CpuSample.take(None)
    started = time.perf_counter()
    tag = await ctx.raw_queue.consume(on_message)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(finished.wait(), timeout)
    seconds = time.perf_counter() - started
    cpu_end = CpuSample.take(None)
    await ctx.raw_queue.cancel(tag)
    return {
        "events": len(events),
        "consumed": seen,
        "complete": seen == len(events),
        "publish_seconds": round(publish_seconds, 3),
        "publish_rate": round(len(events) / publish_seconds),
        "events_per_second": round(seen / seconds, 1),
        "seconds": round(seconds, 3),
        "cpu_cores_used": cpu_share(cpu_start, cpu_end),
    }


async def raw_steady(ctx: Context, events: list[Outgoing], rate: float) -> dict[str, Any]:
    """Publish at ``rate`` to the raw queue while this process consumes it; delay = received - published."""
    received: dict[str, float] = {}
    all_in = asyncio.Event()

    async def on_message(incoming: aio_pika.abc.AbstractIncomingMessage) -> None:
        received[incoming.message_id or ""] = time.time()
        await incoming.ack()
        if len(received) >= len(events):
            all_in.set()

    tag = await ctx.raw_queue.consume(on_message)
    try:
        published = await publish_steady(ctx.raw_exchange, events, rate=rate)
        at_end = len(received)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_in.wait(), max(0.0, published.ended_wall + ctx.max_wait - time.time()))
    finally:
        await ctx.raw_queue.cancel(tag)
    delays = [
        (received[e.event_id] - published.published_at[i]) * 1000
        for i, e in enumerate(events)
        if e.event_id in received
    ]
    span = published.ended_wall - published.started_wall
    in_window = sum(1 for t in received.values() if t <= published.ended_wall)
    return {
        "rate": rate,
        "seconds": round(span, 2),
        "published": published.sent,
        "publish_failures": published.failed,
        "achieved_publish_rate": round(published.achieved_rate, 1),
        "max_tick_late_ms": round(published.max_late_ms, 1),
        "consumed_rate_while_publishing": round(in_window / span if span else 0.0, 1),
        "backlog_at_publish_end": len(events) - at_end,
        "backlog_after_wait": len(events) - len(received),
        "kept_up": len(events) - at_end <= max(25, rate * 0.5),
        "delay_ms": distribution(delays),
    }


async def declare(amqp_url: str, delivery_limit: int) -> list[str]:
    """The clients service's queues (as `negoce broker declare` does) in the bench vhost."""
    app = create_clients_app(
        ClientsSettings(
            database_url=DATABASE_URL, amqp_url=amqp_url, log_level="WARNING", consumer_delivery_limit=delivery_limit
        )
    )
    try:
        return await declare_topology([app])
    finally:
        await app.state.context.engine.dispose()


async def measure(
    *,
    client_ids: list[int],
    events: int,
    rate: float,
    duration: float,
    sample_every: int,
    sustained_fraction: float,
    max_wait: float,
    consumer: ConsumerProcess,
) -> dict[str, Any]:
    """Every phase, in order: raw drain, raw steady, Négoce drain, Négoce steady (and at a sustained rate)."""
    settings = ClientsSettings(database_url=DATABASE_URL, amqp_url=AMQP_URL)
    queues = await declare(AMQP_URL, settings.consumer_delivery_limit)
    print(f"declared {len(queues)} clients queues in vhost {VHOST}", flush=True)
    maker = EventMaker(client_ids)
    publisher = await aio_pika.connect_robust(AMQP_URL)
    raw_consumer = await aio_pika.connect_robust(AMQP_URL)
    db = await asyncpg.connect(raw_dsn(DATABASE_URL))
    pollers = await asyncpg.create_pool(raw_dsn(DATABASE_URL), min_size=4, max_size=4)
    results: dict[str, Any] = {"declared_queues": queues}
    try:
        channel = await publisher.channel(publisher_confirms=True)
        clients_exchange = await channel.declare_exchange(
            ORDERS_EXCHANGE.name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        raw_exchange = await channel.declare_exchange(RAW_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        raw_channel = await raw_consumer.channel()
        # The same prefetch as the service's channel (shared.messaging.create_broker).
        prefetch = int(getattr(settings, "consumer_prefetch", 100))
        await raw_channel.set_qos(prefetch_count=prefetch)
        results["prefetch"] = prefetch
        spec = consumer_queue(
            consumer="bench-raw", event=InvoiceIssued, delivery_limit=settings.consumer_delivery_limit
        )
        raw_queue = await raw_channel.declare_queue(spec.name, durable=True, arguments=spec.arguments)
        await raw_queue.bind(RAW_EXCHANGE, routing_key=ROUTING_KEY)
        results["raw_queue_arguments"] = spec.arguments
        ctx = Context(
            publisher=publisher,
            clients_exchange=clients_exchange,
            raw_exchange=raw_exchange,
            raw_queue=raw_queue,
            db=db,
            pollers=pollers,
            ledger=Ledger(),
            consumer=consumer,
            max_wait=max_wait,
        )
        steady_count = int(rate * duration)

        # The same bodies for both paths: raw gets byte-identical copies of the events the service gets.
        drain_events = maker.batch(events)
        steady_events = maker.batch(steady_count, sample_every=sample_every)

        print(f"[1/5] raw aio-pika drain: {events:,} messages", flush=True)
        await settle(ctx)
        results["raw_drain"] = await raw_drain(ctx, drain_events, timeout=max(max_wait, 300.0))
        print(f"  {results['raw_drain']['events_per_second']:,.0f} messages/s", flush=True)

        print(f"[2/5] Négoce drain: {events:,} events into one clients service process", flush=True)
        await settle(ctx)
        results["negoce_drain"] = await negoce_drain(ctx, drain_events)
        drain = results["negoce_drain"]
        print(
            f"  {drain['events_per_second']:,.0f} events/s (ready after {drain['ready_after_spawn_s']} s); "
            f"all applied: {drain['check']['ok']}",
            flush=True,
        )

        print(f"[3/5] raw aio-pika steady: {rate:g}/s for {duration:g} s (the service idles)", flush=True)
        await settle(ctx)
        results["raw_steady"] = await raw_steady(ctx, steady_events, rate)
        print(
            f"  p50 {results['raw_steady']['delay_ms'].get('p50')} ms, "
            f"p99 {results['raw_steady']['delay_ms'].get('p99')} ms",
            flush=True,
        )

        print(
            f"[4/5] Négoce steady: {rate:g}/s for {duration:g} s, every {sample_every}th event's list row polled",
            flush=True,
        )
        await settle(ctx)
        results["negoce_steady"] = await negoce_steady(ctx, steady_events, rate)
        steady = results["negoce_steady"]
        print(
            f"  consumed {steady['consumed_rate_while_publishing']:,.0f}/s while publishing; backlog at the end "
            f"{steady['backlog_at_publish_end']:,}, after the wait {steady['backlog_after_wait']:,}; "
            f"list row p99 {steady['list_row_ms'].get('p99')} ms",
            flush=True,
        )

        sustained = float(max(10, round(drain["events_per_second"] * sustained_fraction)))
        if not steady["kept_up"] and sustained < rate:
            applied = await wait_for_inbox(ctx, ctx.ledger.events, time.time() + max_wait)
            if applied < ctx.ledger.events:
                results["negoce_sustained"] = {"skipped": f"{ctx.ledger.events - applied} events still pending"}
            else:
                count = int(sustained * duration)
                sustained_events = maker.batch(count, sample_every=sample_every)
                print(
                    f"[5/5] the service fell behind at {rate:g}/s: again at {sustained:g}/s "
                    f"({sustained_fraction:.0%} of its drain rate), raw aio-pika first",
                    flush=True,
                )
                await settle(ctx)
                results["raw_sustained"] = await raw_steady(ctx, sustained_events, sustained)
                await settle(ctx)
                results["negoce_sustained"] = await negoce_steady(ctx, sustained_events, sustained)
        else:
            print(f"[5/5] skipped: the service kept up with {rate:g}/s", flush=True)
        results["final_check"] = await check_applied(ctx.db, ctx.ledger)
        # rabbitmqctl's figures for quorum queues may lag a few seconds.
        results["queue_depths_at_end_rabbitmqctl"] = await asyncio.to_thread(queue_depths)
    finally:
        await pollers.close()
        await db.close()
        await raw_consumer.close()
        await publisher.close()
    return results


# -- report -------------------------------------------------------------------------------------------


def summary(results: dict[str, Any]) -> dict[str, Any]:
    """Verdicts against the targets and the ratios to raw aio-pika."""
    drain, raw_drain_ = results["negoce_drain"], results["raw_drain"]
    steady, raw = results["negoce_steady"], results["raw_steady"]
    row_p99 = steady["list_row_ms"].get("p99")
    out: dict[str, Any] = {
        "events_per_second": drain["events_per_second"],
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        "throughput_met": drain["events_per_second"] >= TARGET_EVENTS_PER_SECOND and drain["check"]["ok"],
        "rate": steady["rate"],
        "kept_up": steady["kept_up"],
        "list_row_p99_ms": row_p99,
        "processed_at_p99_ms": steady["processed_at_ms"].get("p99"),
        "target_p99_ms": TARGET_P99_MS,
        "p99_met": bool(
            steady["kept_up"] and row_p99 is not None and row_p99 <= TARGET_P99_MS and steady["list_row_unseen"] == 0
        ),
        "raw_events_per_second": raw_drain_["events_per_second"],
        "raw_p99_ms": raw["delay_ms"].get("p99"),
        "throughput_ratio_negoce_over_raw": round(drain["events_per_second"] / raw_drain_["events_per_second"], 4),
        "p99_ratio_negoce_list_row_over_raw": _ratio(row_p99, raw["delay_ms"].get("p99")),
        "p99_ratio_negoce_processed_at_over_raw": _ratio(
            steady["processed_at_ms"].get("p99"), raw["delay_ms"].get("p99")
        ),
        "all_applied": results["final_check"]["ok"],
    }
    sustained = results.get("negoce_sustained")
    if sustained and "rate" in sustained:
        raw_s = results["raw_sustained"]
        out["sustained"] = {
            "rate": sustained["rate"],
            "kept_up": sustained["kept_up"],
            "list_row_p99_ms": sustained["list_row_ms"].get("p99"),
            "processed_at_p99_ms": sustained["processed_at_ms"].get("p99"),
            "raw_p99_ms": raw_s["delay_ms"].get("p99"),
            "p99_ratio_negoce_list_row_over_raw": _ratio(
                sustained["list_row_ms"].get("p99"), raw_s["delay_ms"].get("p99")
            ),
        }
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a is not None and b else None


def _fmt(value: Any, spec: str = ",.1f") -> str:
    return "-" if value is None else format(value, spec)


def print_report(results: dict[str, Any], verdict: dict[str, Any], *, events: int, clients: int) -> None:
    """The table and the summary lines."""
    print(
        f"\nEVENTS: invoice.issued into the clients read model; {clients:,} clients; one consumer process; "
        f"{os.cpu_count()} cores shared by everything"
    )
    header = (
        f"{'path':<34} {'offered/s':>9} {'consumed/s':>10} | {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'n':>6} | {'backlog end/after':>17}"
    )
    print(header)
    print("-" * len(header))
    raw_drain_, drain = results["raw_drain"], results["negoce_drain"]
    print(
        f"{'raw aio-pika drain ' + format(events, ','):<34} {'-':>9} {raw_drain_['events_per_second']:>10,.0f} |"
        f" {'':>8} {'':>8} {'':>8} {'':>8} {'':>6} |"
    )
    print(
        f"{'Négoce drain ' + format(events, ','):<34} {'-':>9} {drain['events_per_second']:>10,.0f} |"
        f" {'':>8} {'':>8} {'':>8} {'':>8} {'':>6} |"
    )

    def line(label: str, run: dict[str, Any], dist: dict[str, Any], show_rate: bool = True) -> None:
        backlog = f"{run['backlog_at_publish_end']:,}/{run['backlog_after_wait']:,}" if show_rate else ""
        consumed = _fmt(run["consumed_rate_while_publishing"], ",.0f") if show_rate else ""
        offered = format(run["rate"], ",.0f") if show_rate else ""
        print(
            f"{label:<34} {offered:>9} {consumed:>10} | {_fmt(dist.get('p50')):>8} "
            f"{_fmt(dist.get('p95')):>8} {_fmt(dist.get('p99')):>8} {_fmt(dist.get('max')):>8} "
            f"{dist.get('n', 0):>6} | {backlog:>17}"
        )

    for key, raw_key in (("negoce_steady", "raw_steady"), ("negoce_sustained", "raw_sustained")):
        run = results.get(key)
        if not run or "rate" not in run:
            continue
        rate = f"@{run['rate']:g}/s"
        line(f"raw aio-pika {rate} received", results[raw_key], results[raw_key]["delay_ms"])
        line(f"Négoce {rate} processed_at", run, run["processed_at_ms"])
        line(f"Négoce {rate} list row (1/{results['sample_every']})", run, run["list_row_ms"], show_rate=False)
    cpu = drain["cpu_cores_used"]
    per = drain["cpu_ms_per_event"]
    print(
        f"\nNégoce drain: started in {drain['ready_after_spawn_s']} s (first event applied after "
        f"{drain['first_applied_after_spawn_s']} s); {drain['events_per_second_including_startup']:,.0f}/s counting "
        f"start-up; {_fmt(drain['events_per_second_processed_at_span'], ',.0f')}/s from inbox.processed_at"
    )
    print(
        f"  cores busy while draining: consumer {cpu['consumer']}, PostgreSQL {cpu['postgres']}, RabbitMQ "
        f"{cpu['rabbitmq']}, machine {cpu['machine_busy']} of {cpu['cores']}; CPU ms per event: consumer "
        f"{per['consumer']}, PostgreSQL {per['postgres']}, RabbitMQ {per['rabbitmq']}"
    )
    batching = drain["batching"]
    print(
        f"  {batching['transactions']:,} consumer transactions, {batching.get('events_per_transaction_mean')} events "
        f"each on average (max {batching.get('events_per_transaction_max')}); at {results['negoce_steady']['rate']:g}/s: "
        f"{results['negoce_steady']['batching'].get('events_per_transaction_mean')} on average"
    )
    print(
        f"  every event applied once (inbox, invoices, lines, timeline, sum of totals): {drain['check']['ok']}; "
        f"at the end: {results['final_check']['ok']}"
    )
    print(
        "  processed_at is inbox.processed_at = now() = the START of the consumer's transaction (a lower bound);"
        " list row = first poll of the client's row that counted the invoice (an upper bound)"
    )
    v = verdict
    thr = "MET" if v["throughput_met"] else "MISSED"
    p99 = "MET" if v["p99_met"] else "MISSED"
    keep = "" if v["kept_up"] else f" (the service could not keep up with {v['rate']:g}/s)"
    print(
        f"\nSUMMARY  throughput {v['events_per_second']:,.0f} events/s per consumer process vs target "
        f">= {TARGET_EVENTS_PER_SECOND:,.0f}: {thr}; p99 invoice -> list row at {v['rate']:g}/s "
        f"{_fmt(v['list_row_p99_ms'], ',.0f')} ms vs target <= {TARGET_P99_MS:.0f} ms: {p99}{keep}"
    )
    print(
        f"         raw aio-pika: {v['raw_events_per_second']:,.0f} messages/s, p99 {v['raw_p99_ms']} ms at "
        f"{v['rate']:g}/s; Négoce/raw: throughput {v['throughput_ratio_negoce_over_raw']:.3f}x, p99 list row "
        f"{_fmt(v['p99_ratio_negoce_list_row_over_raw'])}x, p99 processed_at "
        f"{_fmt(v['p99_ratio_negoce_processed_at_over_raw'])}x"
    )
    if "sustained" in v:
        s = v["sustained"]
        print(
            f"         at {s['rate']:g}/s (sustained{'' if s['kept_up'] else ', NOT kept up'}): p99 list row "
            f"{_fmt(s['list_row_p99_ms'], ',.0f')} ms, processed_at {_fmt(s['processed_at_p99_ms'], ',.0f')} ms, "
            f"raw {s['raw_p99_ms']} ms ({_fmt(s['p99_ratio_negoce_list_row_over_raw'])}x)"
        )


def write_results(results: dict[str, Any], verdict: dict[str, Any], **meta: Any) -> Path:
    """bench/results/events.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "invoice.issued events into the clients read model vs raw aio-pika",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_after": os.getloadavg(),
        },
        "method": {
            "drain": "N events published with the service stopped; events/s from the first 50 ms inbox poll "
            "that saw a row to the one that saw all N",
            "processed_at": "inbox.processed_at (server now() = start of the consumer's transaction) minus publish "
            "time: a lower bound of the delay to a visible row",
            "list_row": "every Nth event goes to a client no other event touches; a poller reads its clients row "
            "until invoiced_orders_count counts it; time taken when that answer arrived (upper bound; "
            "poll every 5 ms, then elapsed/20, at most 100 ms)",
            "raw": "aio-pika in the harness process: persistent + confirms to a quorum queue with the arguments of "
            "shared.messaging.consumer_queue, the service's prefetch, ack each message, no parsing, no database",
        },
        **meta,
        "summary": verdict,
        "results": results,
    }
    path = RESULTS_DIR / "events.json"
    path.write_text(json.dumps(document, indent=2, default=str))
    return path


def run(
    *,
    events: int = 5_000,
    rate: float = TARGET_RATE,
    duration: float = 20.0,
    clients: int = 5_000,
    sample_every: int = 50,
    sustained_fraction: float = 0.5,
    max_wait: float = 120.0,
) -> int:
    """Set up, measure, report; everything started here is stopped and the vhost deleted at the end."""
    started = time.perf_counter()
    print(
        f"events bench: database {DATABASE_URL.rsplit('/', 1)[-1]}, vhost {VHOST}; recreating both and seeding "
        f"{clients:,} clients...",
        flush=True,
    )
    code = code_under_test()
    print(
        f"code under test: {code['commit']} {code['subject']!r}; uncommitted in services/ or shared/: "
        f"{', '.join(code['uncommitted_in_services_or_shared']) or 'none'}",
        flush=True,
    )
    previous_term = signal.signal(signal.SIGTERM, _raise_exit)
    workdir = Path(tempfile.mkdtemp(prefix="negoce-bench-events-"))
    consumer = ConsumerProcess(workdir=workdir)
    try:
        client_ids = prepare_database(clients)
        recreate_vhost()
        with stopped_on_exit(consumer):
            results = _run_loop(
                measure(
                    client_ids=client_ids,
                    events=events,
                    rate=rate,
                    duration=duration,
                    sample_every=sample_every,
                    sustained_fraction=sustained_fraction,
                    max_wait=max_wait,
                    consumer=consumer,
                )
            )
        results["sample_every"] = sample_every
        results["service_log_tail"] = _log_tail(consumer.log)
    except Exception:
        tail = "\n".join(_log_tail(consumer.log, 40))
        if tail:
            print(f"--- clients service log (last lines)\n{tail}", file=sys.stderr)
        raise
    finally:
        delete_vhost()
        signal.signal(signal.SIGTERM, previous_term)
        shutil.rmtree(workdir, ignore_errors=True)
    verdict = summary(results)
    print_report(results, verdict, events=events, clients=clients)
    path = write_results(
        results,
        verdict,
        events=events,
        rate=rate,
        duration=duration,
        clients=clients,
        sample_every=sample_every,
        sustained_fraction=sustained_fraction,
        max_wait=max_wait,
        database=DATABASE_URL.rsplit("/", 1)[-1],
        vhost=VHOST,
        code_under_test=code,
        seconds=round(time.perf_counter() - started, 1),
    )
    print(f"results written to {path}")
    return 0 if verdict["throughput_met"] and verdict["p99_met"] and verdict["all_applied"] else 1


def _run_loop(main: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """asyncio.run on uvloop when it is installed (as uvicorn runs the service)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def _log_tail(path: Path, lines: int = 20) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
