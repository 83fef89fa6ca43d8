"""`negoce backup` and `negoce restore`: the same clients, orders and timelines after a restore; the broker's definitions too."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from services.operations.backup import Database, RestoreRefused, backup, code_heads, read_manifest, restore
from services.operations.broker_definitions import Broker
from shared.settings import ServiceSettings
from tests.conftest import AMQP_URL, SERVICES, VHOST, database_url, recreate_database, running
from tests.orders_support import catalogue, new_client, order
from tests.support import eventually, in_process

pytestmark = pytest.mark.timeout(600)


def _sources() -> list[Database]:
    return [Database(service, database_url(service, sync=True)) for service in SERVICES]


def _targets() -> dict[str, Database]:
    # The session's databases stay as they are (the suite's other tests use them): the restore goes beside them.
    return {d.service: Database(d.service, f"{d.url}_restored") for d in _sources()}


@contextlib.asynccontextmanager
async def reader(service: str, url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A service's API over a restored database: no consumers and no relay, only its routes."""
    import importlib

    settings_class = importlib.import_module(f"services.{service}.settings")
    settings = next(
        v
        for v in vars(settings_class).values()
        if isinstance(v, type) and issubclass(v, ServiceSettings) and v is not ServiceSettings
    )
    app: FastAPI = importlib.import_module(f"services.{service}.app").create_app(
        settings(database_url=url.replace("+psycopg", "+asyncpg"), run_consumers=False, run_outbox_relay=False)
    )
    async with running(app), in_process(app) as http:
        yield http


async def _what_the_apis_show(clients: httpx.AsyncClient, orders: httpx.AsyncClient, account, client_id, order_id):
    paths = [f"/api/clients/{client_id}", f"/api/clients/{client_id}/timeline", f"/api/clients/{client_id}/orders"]
    shown: dict[str, Any] = {}
    for path in paths:
        shown[path] = (await clients.get(path, headers=account.headers)).json()
    shown["order"] = (await orders.get(f"/api/orders/{order_id}", headers=account.headers)).json()
    return shown


def _rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=120).stdout


@pytest.fixture
def backup_vhost() -> Any:
    """A virtual host of its own, with a queue, a binding and a policy: the definitions to back up and bring back."""
    vhost = f"{VHOST}_backup"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    _rabbitmqctl("set_policy", "-p", vhost, "negoce-backup-test", r"^backup\.", '{"max-length": 1000}')
    yield vhost
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=120)


async def _declare_queue(amqp_url: str) -> None:
    connection = await aio_pika.connect(amqp_url, timeout=30)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange("negoce.clients", aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(
            "backup.client.created", durable=True, arguments={"x-queue-type": "quorum", "x-delivery-limit": 3}
        )
        await queue.bind(exchange, routing_key="client.created")


async def test_a_restore_brings_back_the_same_clients_orders_and_timelines(
    api, orders_api, account, backup_vhost, tmp_path: Path
):
    client_id = await new_client(api, orders_api, account, last_name="Sauvegarde", first_name="Anne")
    products = await catalogue(orders_api, account)
    placed = await order(orders_api, account, client_id, [{"variant_id": products["bottle"], "quantity": "6"}])

    async def order_in_clients_history() -> bool:
        history = (await api.get(f"/api/clients/{client_id}/orders", headers=account.headers)).json()
        return any(o["order_id"] == placed["id"] for o in history["items"])

    await eventually(order_in_clients_history, timeout=30)  # order.created consumed by clients
    before = await _what_the_apis_show(api, orders_api, account, client_id, placed["id"])

    broker_url = AMQP_URL.rsplit("/", 1)[0] + f"/{backup_vhost}"
    await _declare_queue(broker_url)
    broker = Broker(amqp_url=broker_url, management_url="http://127.0.0.1:1")  # no management API: rabbitmqctl
    folder = await asyncio.to_thread(backup, databases=_sources(), broker=broker, destination=tmp_path)

    manifest = read_manifest(folder)
    assert {d["service"]: d["alembic_heads"] for d in manifest["databases"]} == {s: code_heads(s) for s in SERVICES}
    assert manifest["broker"]["read_through"] == "rabbitmqctl"

    # Wipe: the restore's databases are dropped, and so is the virtual host with its queue and policy.
    targets = _targets()
    for target in targets.values():
        recreate_database(target.url)
    _rabbitmqctl("delete_vhost", backup_vhost)

    done = await asyncio.to_thread(restore, folder=folder, databases=targets, broker=broker, force=False)
    assert len(done) == len(SERVICES) + 1, done

    async with reader("clients", targets["clients"].url) as clients, reader("orders", targets["orders"].url) as orders:
        after = await _what_the_apis_show(clients, orders, account, client_id, placed["id"])
    assert after == before
    assert "backup.client.created" in _rabbitmqctl("list_queues", "-p", backup_vhost, "name")
    assert "negoce-backup-test" in _rabbitmqctl("list_policies", "-p", backup_vhost)
    assert "client.created" in _rabbitmqctl("list_bindings", "-p", backup_vhost, "routing_key")

    # The databases now hold data: a second restore refuses to overwrite them, unless forced.
    with pytest.raises(RestoreRefused, match="hold data"):
        await asyncio.to_thread(restore, folder=folder, databases=targets, broker=broker, force=False)
    await asyncio.to_thread(restore, folder=folder, databases=targets, broker=broker, force=True)
    async with reader("clients", targets["clients"].url) as clients, reader("orders", targets["orders"].url) as orders:
        assert await _what_the_apis_show(clients, orders, account, client_id, placed["id"]) == before
    for target in targets.values():
        recreate_database(target.url)
