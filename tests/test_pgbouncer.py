"""The services work through PgBouncer in transaction pooling mode, as compose and Kubernetes run them.

Two services on databases of their own, reached only through a PgBouncer started here, with the relay
listening on PostgreSQL itself; events go both ways through a virtual host of their own, so no
consumer of the session takes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.clients.app import create_app as create_clients_app
from services.clients.settings import ClientsSettings
from services.orders.app import create_app as create_orders_app
from services.orders.settings import OrdersSettings
from shared.db import create_engine
from tests.conftest import AMQP_URL, VHOST, database_url, isolated_database, new_account, running
from tests.orders_support import catalogue, known_to_orders, order
from tests.pgbouncer_support import pgbouncer, through
from tests.support import eventually, in_process

pytestmark = pytest.mark.timeout(300)
PGB_VHOST = f"{VHOST}_pgbouncer"


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def bouncer() -> Iterator[int]:
    """PgBouncer's port; two server connections per database, so that clients take turns on them."""
    with pgbouncer(server_pool_size=2) as port:
        yield port


@pytest.fixture(scope="module")
def vhost() -> Iterator[str]:
    """An AMQP URL on a virtual host of its own."""
    _rabbitmqctl("add_vhost", PGB_VHOST)
    _rabbitmqctl("set_permissions", "-p", PGB_VHOST, "guest", ".*", ".*", ".*")
    yield AMQP_URL.rsplit("/", 1)[0] + f"/{PGB_VHOST}"
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", PGB_VHOST], capture_output=True, timeout=120)


@contextlib.asynccontextmanager
async def behind_pgbouncer(
    factory, settings_class, *, service: str, port: int, amqp_url: str
) -> AsyncIterator[FastAPI]:
    direct = isolated_database(service, "pgbouncer")
    settings = settings_class(
        database_url=through(direct, port),
        listen_database_url=direct,
        database_behind_pgbouncer=True,
        amqp_url=amqp_url,
    )
    async with running(factory(settings)) as app:
        yield app


async def test_a_client_and_an_order_travel_between_services_through_pgbouncer(bouncer, vhost):
    # Orders first: its queues exist before the clients relay publishes client.created.
    async with (
        behind_pgbouncer(create_orders_app, OrdersSettings, service="orders", port=bouncer, amqp_url=vhost) as orders,
        behind_pgbouncer(
            create_clients_app, ClientsSettings, service="clients", port=bouncer, amqp_url=vhost
        ) as clients,
        in_process(clients) as api,
        in_process(orders) as orders_api,
    ):
        account = await new_account(clients)
        # Many requests at once: more client connections than PgBouncer has server connections.
        created = await asyncio.gather(
            *(api.post("/api/clients", json={"last_name": f"Bouncer {n}"}, headers=account.headers) for n in range(8))
        )
        assert all(r.status_code == 201 for r in created), [r.text for r in created]
        client_id = created[0].json()["id"]
        await known_to_orders(orders_api, account, client_id)  # client.created consumed by orders, through PgBouncer
        products = await catalogue(orders_api, account)
        placed = await order(orders_api, account, client_id, [{"variant_id": products["bottle"], "quantity": "6"}])

        async def in_clients_history() -> bool:
            history = await api.get(f"/api/clients/{client_id}/orders", headers=account.headers)
            return any(o["order_id"] == placed["id"] for o in history.json()["items"])

        await eventually(in_clients_history, timeout=30)  # order.created consumed by clients, through PgBouncer


async def _run_queries(url: str, *, behind_pgbouncer: bool) -> list[str]:
    """Four engines of one connection each run twenty statements at once; returns the errors met."""
    engines = [create_engine(url, pool_size=1, behind_pgbouncer=behind_pgbouncer) for _ in range(4)]

    async def work(engine: AsyncEngine) -> None:
        for n in range(20):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT CAST(:n AS int) + 1"), {"n": n})

    try:
        outcomes = await asyncio.gather(*(work(e) for e in engines), return_exceptions=True)
    finally:
        for engine in engines:
            await engine.dispose()
    return [str(o) for o in outcomes if o is not None]


async def test_without_the_setting_pgbouncer_refuses_or_loses_the_statements(bouncer):
    """The control: the engine PostgreSQL itself gets fails through PgBouncer, twice over."""
    refused = await _run_queries(through(database_url("orders"), bouncer), behind_pgbouncer=False)
    assert refused and all("unsupported startup parameter: jit" in error for error in refused), refused
    # Even with JIT's parameter dropped, asyncpg's statements, prepared on one server connection, are
    # looked for on another: "prepared statement ... does not exist".
    with pgbouncer(server_pool_size=2, ignored_parameters="jit") as lenient:
        url = through(database_url("orders"), lenient)
        lost = await _run_queries(url, behind_pgbouncer=False)
        assert lost and any("prepared statement" in error for error in lost), lost
        assert await _run_queries(url, behind_pgbouncer=True) == []
    assert await _run_queries(through(database_url("orders"), bouncer), behind_pgbouncer=True) == []
