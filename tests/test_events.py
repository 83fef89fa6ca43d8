"""Events over the real RabbitMQ: envelope, outbox crash recovery, inbox, dead letters."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import aio_pika
import pytest
from sqlalchemy import text

from services.clients.app import create_app
from services.clients.models import outbox
from services.clients.settings import ClientsSettings
from shared.dead_letters import replay_dead_letters
from shared.events.clients import ClientCreated
from shared.outbox import OutboxRelay
from tests.conftest import AMQP_URL, isolated_database, new_account, running
from tests.support import EventTap, eventually, in_process, invoice_issued, publish_event

DEAD_QUEUE = "clients.invoice.issued.dead"


async def test_client_events_carry_the_envelope_and_are_persistent(api, account):
    async with EventTap(AMQP_URL, "negoce.clients") as tap:
        response = await api.post(
            "/api/clients", json={"last_name": "Enveloppe"}, headers={**account.headers, "X-Request-ID": "req-12345678"}
        )
        client_id = response.json()["id"]
        await api.patch(f"/api/clients/{client_id}", json={"first_name": "Eve"}, headers=account.headers)
        await api.post(f"/api/clients/{client_id}/block", json={"reason": "test"}, headers=account.headers)
        await api.post(f"/api/clients/{client_id}/unblock", headers=account.headers)
        await api.delete(f"/api/clients/{client_id}", headers=account.headers)

        async def all_five():
            mine = [m for m in tap.messages if str(account.id).encode() in m.body and m.routing_key != "audit.recorded"]
            return mine if len(mine) == 5 else None

        def audited() -> list[str]:
            bodies = [json.loads(m.body) for m in tap.messages if m.routing_key == "audit.recorded"]
            return [b["payload"]["action"] for b in bodies if b["account_id"] == str(account.id)]

        messages = await eventually(all_five)
        # Blocks, unblocks and deletions are also announced for the owner's audit trail.
        assert await eventually(lambda: audited() == ["client.blocked", "client.unblocked", "client.deleted"])
    assert [m.routing_key for m in messages] == [
        "client.created",
        "client.updated",
        "client.blocked",
        "client.unblocked",
        "client.deleted",
    ]
    created = ClientCreated.model_validate_json(messages[0].body)
    assert created.account_id == account.id and created.payload.client_id == client_id
    assert created.correlation_id == "req-12345678" and messages[0].correlation_id == "req-12345678"
    assert all(m.message_id == str(uuid.UUID(m.message_id)) for m in messages)
    assert messages[0].message_id == str(created.event_id)
    assert {m.delivery_mode for m in messages} == {aio_pika.DeliveryMode.PERSISTENT}
    assert [int(m.body.count(b'"version"')) for m in messages] == [1] * 5


@pytest.fixture(scope="module")
def crash_database():
    """A database of its own, so that no other relay publishes what the test leaves pending."""
    return isolated_database("clients", "crash")


async def test_a_crash_between_commit_and_publish_loses_nothing(crash_database):
    async with EventTap(AMQP_URL, "negoce.clients", "client.created") as tap:
        crashed = create_app(ClientsSettings(database_url=crash_database, run_outbox_relay=False))
        async with running(crashed):
            account = await new_account(crashed)
            async with in_process(crashed) as http:
                created = (
                    await http.post("/api/clients", json={"last_name": "Survivor"}, headers=account.headers)
                ).json()
        # The process is gone: the change is committed, its event is only in the outbox.
        await asyncio.sleep(1.5)
        assert tap.bodies() == []
        restarted = create_app(ClientsSettings(database_url=crash_database))
        async with running(restarted):
            bodies = await eventually(tap.bodies)
            async with restarted.state.context.engine.connect() as connection:
                pending = await connection.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    assert [b["payload"]["client_id"] for b in bodies] == [created["id"]]
    assert pending == 0


class CrashingAfterPublish(OutboxRelay):
    """A relay that dies after the broker confirmed, before it could mark the rows published."""

    async def _mark_published(self, session, ids):
        raise ConnectionError("killed between publish and mark")


async def test_a_crash_between_publish_and_mark_republishes_with_the_same_ids(crash_database):
    app = create_app(ClientsSettings(database_url=crash_database, run_outbox_relay=False))
    async with running(app), EventTap(AMQP_URL, "negoce.clients", "client.created") as tap:
        context = app.state.context
        account = await new_account(app)
        async with in_process(app) as http:
            await http.post("/api/clients", json={"last_name": "Twice"}, headers=account.headers)
        relay_args = {
            "service": "clients",
            "outbox": outbox,
            "sessions": context.sessions,
            "broker": context.broker,
            "exchange": context.relay.exchange,
            "listen_dsn": context.settings.raw_database_dsn,
        }
        with pytest.raises(ConnectionError):
            await CrashingAfterPublish(**relay_args).publish_pending()
        assert await OutboxRelay(**relay_args).drain() >= 1
        messages = await eventually(lambda: tap.messages if len(tap.messages) >= 2 else None)
    assert len({m.message_id for m in messages}) == 1, "the re-published event keeps its id"


async def test_a_redelivered_event_has_no_second_effect(api, account, sql):
    client_id = (await api.post("/api/clients", json={"last_name": "Once"}, headers=account.headers)).json()["id"]
    event_id = uuid.uuid4()
    payload = invoice_issued(
        client_id=client_id,
        invoice_id=client_id * 10 + 1,
        order_id=client_id * 10 + 1,
        total_cents=12_345,
        issued_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    for _ in range(3):
        await publish_event(
            AMQP_URL,
            exchange="negoce.orders",
            event_type="invoice.issued",
            account_id=account.id,
            payload=payload,
            event_id=event_id,
        )

    async def applied():
        rows = await sql("SELECT processed_at FROM inbox WHERE event_id = :e", e=event_id)
        return rows

    first = await eventually(applied)
    await asyncio.sleep(1.0)  # let the duplicates arrive and be skipped
    assert await applied() == first
    row = (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()
    assert row["invoiced_total_cents"] == 12_345 and row["invoiced_orders_count"] == 1


async def _dead_letters() -> int:
    connection = await aio_pika.connect_robust(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(DEAD_QUEUE, passive=True)
        return queue.declaration_result.message_count or 0


async def test_a_message_that_keeps_failing_is_dead_lettered_and_can_be_replayed(api, account, sql):
    before = await _dead_letters()
    poison_id = await publish_event(
        AMQP_URL,
        exchange="negoce.orders",
        event_type="invoice.issued",
        account_id=account.id,
        payload={},
        raw_body=b'{"not": "an event"}',
    )
    await eventually(lambda: _at_least(before + 1), timeout=30)
    assert await replay_dead_letters(AMQP_URL, "clients.invoice.issued") == before + 1
    # Replayed, it fails again the same bounded number of times and returns to the dead letters.
    await eventually(lambda: _at_least(before + 1), timeout=30)
    assert await sql("SELECT 1 FROM inbox WHERE event_id = :e", e=poison_id) == []


async def _at_least(count: int) -> bool:
    return await _dead_letters() >= count
