"""The client base converges on the orders truth, whatever the delivery order, duplicates or restarts.

A history of orders is generated through the orders API with its relay stopped; the events
it wrote are then delivered by hand over the real broker, shuffled, a quarter of them twice,
and the clients service is restarted in the middle. Afterwards every client's status,
list columns, top products and statistics must equal what the orders database says.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

import aio_pika
import pytest
from sqlalchemy import text

from services.clients.app import create_app as create_clients_app
from services.clients.settings import ClientsSettings
from services.orders.app import create_app as create_orders_app
from services.orders.demo.history import generate_history
from services.orders.settings import OrdersSettings
from tests.conftest import RUN_ID, _rabbitmqctl, isolated_database, new_account, running
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
                stats = await generate_history(orders_http, client_ids=client_ids, orders=ORDERS, seed=7)
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
            truth = await _orders_truth(connection, account.id)

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
            seen = await _clients_view(connection, account.id)
        async with in_process(restarted, account.headers) as http:
            for client_id in client_ids:
                top = (await http.get(f"/api/clients/{client_id}/top-products", params={"limit": 100})).json()
                seen["top"][client_id] = {p["variant_id"]: round(p["units"], 3) for p in top["items"]}
                figures = (
                    await http.get(
                        f"/api/clients/{client_id}/statistics",
                        params={"from": "2020-01-01", "to": "2039-12-31", "group": "year"},
                    )
                ).json()["total"]
                seen["figures"][client_id] = (
                    figures["orders"],
                    figures["revenue_cents"],
                    round(figures["units"], 3),
                    round(figures["litres"], 3),
                )
                summary = (await http.get(f"/api/clients/{client_id}")).json()["summary"]
                seen["open"][client_id] = summary["open_orders_count"]
    assert seen["columns"] == truth["columns"]
    assert sum(1 for c in truth["columns"].values() if c[0] == "client") > CLIENTS // 2
    assert seen["top"] == {c: truth["top"].get(c, {}) for c in client_ids}
    assert seen["open"] == {c: truth["open"].get(c, 0) for c in client_ids}
    assert seen["figures"] == {c: truth["figures"].get(c, (0, 0, 0.0, 0.0)) for c in client_ids}


async def _orders_truth(connection, account_id) -> dict:
    """Status and list columns per client, computed from the orders database itself."""
    invoiced = (
        await connection.execute(
            text("""
        SELECT o.client_id, count(DISTINCT o.id), sum(i.total_cents),
               (array_agg(o.number ORDER BY i.issued_at DESC, i.id DESC))[1], max(i.issued_at)
        FROM invoices i JOIN orders o ON o.id = i.order_id
        WHERE i.account_id = :a AND i.cancelled_at IS NULL GROUP BY o.client_id"""),
            {"a": account_id},
        )
    ).all()
    clients = (
        await connection.execute(
            text("SELECT client_id FROM client_replicas WHERE account_id = :a AND version > 0"), {"a": account_id}
        )
    ).scalars()
    columns = dict.fromkeys(clients, ("prospect", 0, 0, None))
    for client_id, count, total, number, _ in invoiced:
        columns[client_id] = ("client", count, int(total), number)
    top: dict[int, dict[int, float]] = defaultdict(dict)
    received: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for ship_to, variant_id, units, litres in (
        await connection.execute(
            text("""
        SELECT s.ship_to_client_id, l.variant_id, sum(sl.quantity), sum(sl.quantity * c.millilitres / 1000.0)
        FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
        JOIN order_lines l ON l.id = sl.order_line_id JOIN variants v ON v.id = l.variant_id
        JOIN containers c ON c.id = v.container_id
        WHERE s.account_id = :a GROUP BY 1, 2"""),
            {"a": account_id},
        )
    ).all():
        top[ship_to][variant_id] = round(float(units), 3)
        received[ship_to][0] += float(units)
        received[ship_to][1] += float(litres)
    open_orders = dict(
        (
            await connection.execute(
                text(
                    "SELECT client_id, count(*) FROM orders WHERE account_id = :a AND state IN ('draft', 'confirmed') GROUP BY 1"
                ),
                {"a": account_id},
            )
        ).all()
    )
    live_orders = dict(
        (
            await connection.execute(
                text(
                    "SELECT client_id, count(*) FROM orders WHERE account_id = :a AND state <> 'cancelled' GROUP BY 1"
                ),
                {"a": account_id},
            )
        ).all()
    )
    figures = {}
    for client_id in columns:
        revenue = columns[client_id][2]
        units, litres = received.get(client_id, (0.0, 0.0))
        figures[client_id] = (live_orders.get(client_id, 0), revenue, round(units, 3), round(litres, 3))
    return {"columns": columns, "top": dict(top), "figures": figures, "open": open_orders}


async def _clients_view(connection, account_id) -> dict:
    """The same figures as the clients service's read model holds them."""
    rows = (
        await connection.execute(
            text("""
        SELECT id, status, invoiced_orders_count, invoiced_total_cents, last_invoiced_order_number
        FROM clients WHERE account_id = :a AND deleted_at IS NULL"""),
            {"a": account_id},
        )
    ).all()
    return {"columns": {r[0]: (r[1], r[2], int(r[3]), r[4]) for r in rows}, "top": {}, "figures": {}, "open": {}}
