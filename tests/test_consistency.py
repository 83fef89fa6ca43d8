"""The client base converges on the orders truth, whatever the delivery order, duplicates or restarts.

A history of orders is generated through the orders API with its relay stopped; the events
it wrote are then delivered by hand over the real broker, shuffled, a quarter of them twice,
and the clients service is restarted in the middle. Afterwards every client's status,
list columns, top products and statistics must equal what the orders database says.
"""

from __future__ import annotations

import asyncio
import random

import aio_pika
import pytest
from sqlalchemy import text

from services.clients.app import create_app as create_clients_app
from services.clients.settings import ClientsSettings
from services.orders.app import create_app as create_orders_app
from services.orders.demo.history import generate_history
from services.orders.settings import OrdersSettings
from tests.conftest import RUN_ID, _rabbitmqctl, isolated_database, new_account, running
from tests.consistency_support import assert_read_models_equal, clients_view, orders_truth, read_through_api
from tests.support import eventually, in_process

# 25 orders a client on average: enough for every client to pass through invoices, credit notes and
# shipments; more only lengthened the suite (2,000 took up to 4 minutes on a loaded 2-core machine).
ORDERS = 1_000
CLIENTS = 40
VHOST = f"negoce_test_{RUN_ID}_history"


@pytest.fixture(scope="module")
def isolated():
    """Databases and a vhost of this test's own: no other consumer may take its messages."""
    urls = {service: isolated_database(service, "history") for service in ("clients", "orders")}
    _rabbitmqctl("add_vhost", VHOST)
    _rabbitmqctl("set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*")
    urls["amqp"] = f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"
    yield urls
    _rabbitmqctl("delete_vhost", VHOST)


def _clients_app(urls):
    return create_clients_app(ClientsSettings(database_url=urls["clients"], amqp_url=urls["amqp"]))


async def _deliver(urls, events: list[tuple[str, str, bytes]]) -> None:
    connection = await aio_pika.connect(urls["amqp"], timeout=30)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange("negoce.orders", aio_pika.ExchangeType.TOPIC, durable=True)
        for start in range(0, len(events), 200):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            body,
                            message_id=event_id,
                            content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key=routing_key,
                    )
                    for event_id, routing_key, body in events[start : start + 200]
                )
            )


@pytest.mark.history  # a minute and a half: after the suite, in make test
@pytest.mark.timeout(420)  # 1,000 orders made through the API, then their events replayed in chaos
async def test_read_models_equal_the_orders_truth_after_chaos(isolated):
    orders_app = create_orders_app(
        OrdersSettings(database_url=isolated["orders"], amqp_url=isolated["amqp"], run_outbox_relay=False)
    )
    clients_app = _clients_app(isolated)
    async with running(orders_app):
        async with running(clients_app):
            account = await new_account(clients_app, "Chaos")
            async with in_process(clients_app, account.headers) as clients_http:
                client_ids = [
                    (await clients_http.post("/api/clients", json={"last_name": f"Client {n}"})).json()["id"]
                    for n in range(CLIENTS)
                ]
            async with in_process(orders_app, account.headers) as orders_http:

                async def replica_complete():
                    for client_id in client_ids:
                        r = await orders_http.get("/api/orders/negotiated-prices", params={"client_id": client_id})
                        if r.status_code != 200:
                            return False
                    return True

                await eventually(replica_complete, timeout=30)
                stats = await generate_history(orders_http, client_ids=client_ids, orders=ORDERS, seed=7, concurrency=4)
        assert stats.invoiced > 0 and stats.credited > 0 and stats.shipments > 0
        async with orders_app.state.context.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT id::text, routing_key, body::text FROM outbox WHERE routing_key NOT LIKE 'reservation.%'"
                        " ORDER BY position"
                    )
                )
            ).all()
            truth = await orders_truth(connection, account.id)

    rng = random.Random(11)
    deliveries = [(r[0], r[1], r[2].encode()) for r in rows]
    deliveries += rng.sample(deliveries, k=len(deliveries) // 4)
    rng.shuffle(deliveries)
    half = len(deliveries) // 2

    first = _clients_app(isolated)
    async with running(first):
        await _deliver(isolated, deliveries[:half])
        await asyncio.sleep(0.5)  # stop while messages are still being consumed
    await _deliver(isolated, deliveries[half:])  # delivered while no consumer runs
    restarted = _clients_app(isolated)
    async with running(restarted):
        engine = restarted.state.context.engine

        async def all_applied():
            async with engine.connect() as connection:
                done = await connection.scalar(text("SELECT count(*) FROM inbox WHERE consumer = 'clients'"))
            return done == len(rows)

        await eventually(all_applied, timeout=240, interval=0.5)
        async with engine.connect() as connection:
            seen = await clients_view(connection, account.id)
        async with in_process(restarted, account.headers) as http:
            await read_through_api(http, client_ids=client_ids, seen=seen)
    assert_read_models_equal(seen, truth, client_ids=client_ids)
    assert sum(1 for c in truth["columns"].values() if c[0] == "client") > CLIENTS // 2
