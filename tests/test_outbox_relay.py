"""The outbox relay wakes on every NOTIFY: no change waits for the safety poll."""

import asyncio
import random
import uuid

import aio_pika
import pytest
from faststream.rabbit import ExchangeType, RabbitExchange
from pydantic import BaseModel

from services.clients.models import outbox
from shared.db import create_engine, create_sessionmaker, unit_of_work
from shared.events.envelope import Event, new_event
from shared.messaging import create_broker
from shared.outbox import OutboxRelay, add_events
from tests.conftest import AMQP_URL, isolated_database
from tests.support import eventually

PROBE_EXCHANGE = RabbitExchange("negoce.test-relay-latency", type=ExchangeType.TOPIC, durable=False)
POLL_SECONDS = 1.0
CHANGES = 300


class ProbePayload(BaseModel):
    """Which change this is."""

    sequence: int


class ProbeSent(Event):
    """An event that only this test publishes, on an exchange nobody else consumes."""

    TYPE = "probe.sent"
    payload: ProbePayload


@pytest.fixture(scope="module")
def relay_database():
    """A database of its own: no other relay takes these rows."""
    return isolated_database("clients", "relay_latency")


async def test_back_to_back_changes_are_published_far_sooner_than_the_poll(relay_database):
    loop = asyncio.get_running_loop()
    received: dict[str, float] = {}
    connection = await aio_pika.connect_robust(AMQP_URL)
    engine = create_engine(relay_database, pool_size=2)
    broker = create_broker(AMQP_URL)
    sessions = create_sessionmaker(engine)
    relay = OutboxRelay(
        service="clients",
        outbox=outbox,
        sessions=sessions,
        broker=broker,
        exchange=PROBE_EXCHANGE,
        listen_dsn=relay_database.replace("postgresql+asyncpg", "postgresql"),
        poll_seconds=POLL_SECONDS,
    )
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(PROBE_EXCHANGE.name, aio_pika.ExchangeType.TOPIC, durable=False)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="#")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            received[str(message.message_id)] = loop.time()

        await queue.consume(on_message, no_ack=True)
        await broker.connect()
        relay_task = asyncio.create_task(relay.run())
        committed: dict[str, float] = {}
        account_id = uuid.uuid4()
        rng = random.Random(12)
        for sequence in range(0, CHANGES, 2):
            # Two changes back to back (an order confirmed, then its invoice), then quiet: the second
            # commit lands while the relay drains the first, and nothing comes after it to wake the relay.
            pair = [
                new_event(ProbeSent, account_id=account_id, payload=ProbePayload(sequence=sequence + offset))
                for offset in (0, 1)
            ]
            for event in pair:
                async with unit_of_work(sessions) as session:
                    await add_events(session, outbox, [event])
                committed[str(event.event_id)] = loop.time()
                await asyncio.sleep(rng.uniform(0, 0.015))
            await eventually(lambda: len(received) == len(committed), timeout=5 * POLL_SECONDS, interval=0.005)
        relay_task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await relay_task
    finally:
        await connection.close()
        await broker.stop()
        await engine.dispose()
    delays = sorted(received[event_id] - at for event_id, at in committed.items())
    p99 = delays[int(0.99 * len(delays)) - 1]
    assert p99 < POLL_SECONDS / 5, f"p99 {p99 * 1000:.0f} ms, worst {delays[-1] * 1000:.0f} ms"


async def test_a_relay_cancelled_just_as_a_notification_wakes_it_stops(relay_database):
    engine = create_engine(relay_database, pool_size=1)
    relay = OutboxRelay(
        service="clients",
        outbox=outbox,
        sessions=create_sessionmaker(engine),
        broker=create_broker(AMQP_URL),
        exchange=PROBE_EXCHANGE,
        listen_dsn=relay_database.replace("postgresql+asyncpg", "postgresql"),
        poll_seconds=30,
    )
    try:
        task = asyncio.create_task(relay.run())
        await asyncio.sleep(0.5)  # listening, drained, waiting for a notification
        # What the LISTEN callback does when a NOTIFY arrives, then the lifespan's cancellation in the
        # same turn of the loop: asyncio.wait_for on Python 3.11 returned normally and the relay ran on.
        relay._wakeup.set()
        await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=5)
        assert done == {task} and task.cancelled()
    finally:
        await engine.dispose()
