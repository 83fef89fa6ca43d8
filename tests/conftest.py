"""Test fixtures: real PostgreSQL databases and a RabbitMQ vhost for this session."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from tests.access_support import account_token, free_port, register_isolated_database
from tests.stack_support import running_gateway

pytest_plugins = ["tests.time_limits"]

SERVICES = ("clients", "orders", "reminders", "mailings", "identity")
RUN_ID = f"{os.getpid()}_{secrets.token_hex(3)}"
VHOST = f"negoce_test_{RUN_ID}"
AMQP_URL = f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"
JWT_SECRET = "test-" + secrets.token_hex(24)
IDENTITY_PORT = free_port()
IDENTITY_URL = f"http://127.0.0.1:{IDENTITY_PORT}"
# Lets two test runs share one PostgreSQL without dropping each other's databases.
DB_SUFFIX = os.environ.get("NEGOCE_TEST_DB_SUFFIX", "")

# Set before any settings object exists; the apps under test read them like in production.
os.environ.update(
    {
        "NEGOCE_ENVIRONMENT": "test",
        "NEGOCE_JWT_SECRET": JWT_SECRET,
        # The services under test verify tokens with the keys of a real identity process (identity_server).
        "NEGOCE_IDENTITY_JWKS_URL": f"{IDENTITY_URL}/api/identity/.well-known/jwks.json",
        "NEGOCE_AMQP_URL": AMQP_URL,
        "NEGOCE_LOG_LEVEL": "WARNING",
        "NEGOCE_CONSUMER_DELIVERY_LIMIT": "3",
        # Cheap password hashes (still argon2id): the suite signs in hundreds of times, and the
        # production cost (64 MiB, 3 passes: 0.3 s of CPU each) would add minutes. The hashing itself
        # is tested with its own parameters (test_identity_sessions).
        "NEGOCE_IDENTITY_ARGON2_TIME_COST": "1",
        "NEGOCE_IDENTITY_ARGON2_MEMORY_COST_KIB": "1024",
        # Small pools: the suite starts many apps and processes, and `make run` may hold connections beside it.
        "NEGOCE_DATABASE_POOL_SIZE": "3",
        # Room for bursts (concurrency tests) up to the six connections an app of the suite always had.
        "NEGOCE_DATABASE_MAX_OVERFLOW": "3",
        # Bursts of concurrent requests wait their turn on a busy machine; the exhaustion tests set their own.
        "NEGOCE_DATABASE_POOL_TIMEOUT": "30",
        **{
            f"NEGOCE_{s.upper()}_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_{s}_test{DB_SUFFIX}"
            for s in SERVICES
        },
    }
)


def database_url(service: str, *, sync: bool = False) -> str:
    """The test database of a service."""
    url = os.environ[f"NEGOCE_{service.upper()}_DATABASE_URL"]
    return url.replace("+asyncpg", "+psycopg") if sync else url


def recreate_database(sync_url: str) -> None:
    """Drop a database (its next upgrade creates it again)."""
    url = make_url(sync_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def isolated_database(service: str, purpose: str) -> str:
    """A freshly migrated database of a service for one test module; returns its asyncpg URL.

    For tests whose relays or consumers must not share rows with the session's apps.
    """
    from shared.migrations import upgrade

    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/negoce_{service}_test{DB_SUFFIX}_{purpose}"
    recreate_database(url)
    upgrade(service=service, sync_url=url)
    register_isolated_database(service, url)
    return url.replace("+psycopg", "+asyncpg")


def _rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60).stdout


# negoce_test_<pid>_<hex>[_purpose]: the vhosts of test runs, named after the process that made them.
TEST_VHOST = re.compile(r"negoce_test_(?P<pid>\d+)_[0-9a-f]{6}(_\w+)?")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_abandoned_vhosts() -> list[str]:
    """Delete the vhosts of test runs whose process is gone (killed before its clean-up).

    Each holds dozens of quorum queues, and RabbitMQ's file handles are few (about 900 here): a few
    abandoned runs used them up and the broker stopped answering new connections mid-run.
    """
    abandoned = [
        name
        for name in _rabbitmqctl("list_vhosts", "--no-table-headers", "name").split()
        if (match := TEST_VHOST.fullmatch(name)) and not _process_alive(int(match["pid"]))
    ]
    for name in abandoned:
        _rabbitmqctl("delete_vhost", name)
    return abandoned


@pytest.fixture(scope="session", autouse=True)
def infrastructure() -> Iterator[None]:
    """Fresh, migrated databases and an empty vhost for the whole session."""
    from shared.migrations import upgrade

    for service in SERVICES:
        recreate_database(database_url(service, sync=True))
        upgrade(service=service, sync_url=database_url(service, sync=True))
    remove_abandoned_vhosts()
    _rabbitmqctl("add_vhost", VHOST)
    _rabbitmqctl("set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*")
    yield
    _rabbitmqctl("delete_vhost", VHOST)


@pytest.fixture(scope="session", autouse=True)
def identity_server(infrastructure: None) -> Iterator[str]:
    """The identity service under uvicorn, whose published keys every service under test trusts."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 (the child process writes to it until the end)
    process = subprocess.Popen(
        [
            *(str(Path(sys.executable).with_name("uvicorn")), "--factory", "services.identity.app:create_app"),
            *("--host", "127.0.0.1", "--port", str(IDENTITY_PORT), "--no-access-log"),
        ],
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # The first request for the keys also makes the first signing key.
                httpx.get(f"{IDENTITY_URL}/api/identity/.well-known/jwks.json", timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"identity did not start:\n{log.read().decode(errors='replace')}") from None
                time.sleep(0.2)
        yield IDENTITY_URL
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
async def gateway(identity_server: str) -> AsyncIterator[str]:
    """The services and the console under uvicorn behind nginx, for one module.

    Not for the whole session: its processes consume the session's queues, and while they run they take
    events from the apps under test (a consumer's metrics, what an in-process handler saw).
    """
    async with running_gateway() as base:
        yield base


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """A service app with its lifespan running: broker, consumers and relay started."""
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def clients_app() -> AsyncIterator[FastAPI]:
    """The clients service with its consumers and relay running against the real servers."""
    from services.clients.app import create_app

    async with running(create_app()) as app:
        yield app


@pytest.fixture(scope="session")
async def api(clients_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the clients service in process."""
    from tests.support import in_process

    async with in_process(clients_app) as client:
        yield client


@dataclass
class TestAccount:
    """An account created for one test, with a token for its user."""

    __test__ = False  # a helper, not a test class, despite its name

    id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization header for this account."""
        return {"Authorization": f"Bearer {self.token}"}


async def new_account(app: FastAPI, name: str = "Test account", *, role: str = "owner") -> TestAccount:
    """Create an account every service knows, and mint a token for its user "tester" with a role."""
    from services.clients.accounts.service import create_account
    from shared.db import unit_of_work

    async with unit_of_work(app.state.context.sessions) as session:
        account = await create_account(session, name=name)
    return TestAccount(id=account.id, token=account_token(account.id, "tester", role))


@pytest.fixture
async def account(clients_app: FastAPI) -> TestAccount:
    """A fresh account per test: tenancy keeps tests apart without truncating tables."""
    return await new_account(clients_app)


@pytest.fixture
async def sql(clients_app: FastAPI) -> AsyncIterator[object]:
    """Run a statement on the clients test database and commit: ``await sql("select ...", **params)``."""
    engine = clients_app.state.context.engine

    async def run(query: str, **params: object) -> list:
        async with engine.begin() as connection:
            return list((await connection.execute(text(query), params)).all())

    yield run


@pytest.fixture(scope="session")
async def orders_app() -> AsyncIterator[FastAPI]:
    """The orders service with its consumers and relay running against the real servers."""
    from services.orders.app import create_app

    async with running(create_app()) as app:
        yield app


@pytest.fixture(scope="session")
async def orders_api(orders_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the orders service in process."""
    from tests.support import in_process

    async with in_process(orders_app) as client:
        yield client
