"""A database that refuses connections is a 503 to retry, not a 500; the service recovers by itself."""

import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, pool, text

from services.clients.app import create_app
from services.clients.settings import ClientsSettings
from services.reminders.settings import RemindersSettings
from tests.access_support import account_token
from tests.conftest import database_url, running
from tests.reminders_support import (  # noqa: F401 (fixtures)
    RemAccount,
    known_client,
    rem_account,
    rem_api,
    rem_sql,
    reminders_app,
)
from tests.support import eventually, in_process

ROLE = "negoce_test_no_connections"


@pytest.fixture
def role_without_connections():
    """A role the server refuses with 'too many connections', as when max_connections is reached."""
    admin = create_engine(database_url("clients", sync=True), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
        connection.execute(text(f"CREATE ROLE {ROLE} LOGIN CONNECTION LIMIT 0"))
    yield
    with admin.connect() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
    admin.dispose()


@pytest.mark.parametrize("refusal", ["too many connections", "nothing listening"])
async def test_a_database_that_refuses_connections_answers_503_with_retry_after(refusal, role_without_connections):
    url = database_url("clients")
    url = url.replace("postgres@", f"{ROLE}@") if refusal == "too many connections" else url.replace(":5432", ":9")
    app = create_app(ClientsSettings(database_url=url, run_consumers=False, run_outbox_relay=False))
    token = account_token(uuid.uuid4())
    async with in_process(app, {"Authorization": f"Bearer {token}"}) as http:
        response = await http.get("/api/clients/1")
    await app.state.context.engine.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


# --- Connections exhausted: every one in use, the request is refused with 503 and leaves nothing behind ----


@contextlib.asynccontextmanager
async def reminders_with_one_connection(url: str | None = None) -> AsyncIterator[FastAPI]:
    """The reminders API (no consumers, no relay) whose pool holds one connection, waited for half a second."""
    from services.reminders.app import create_app as create_reminders_app

    app = create_reminders_app(
        RemindersSettings(
            database_pool_size=1,
            database_max_overflow=0,
            database_pool_timeout_seconds=0.5,
            run_consumers=False,
            run_outbox_relay=False,
            database_url=url or database_url("reminders"),
        )
    )
    async with running(app):
        yield app


async def _post_reminder(http: httpx.AsyncClient, account: RemAccount, client_id: int, text: str) -> httpx.Response:
    return await http.post(
        "/api/reminders",
        headers=account.headers,
        json={"client_id": client_id, "due_at": "2031-05-04T09:00:00", "text": text},
    )


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["status"] == 503


async def test_no_free_pool_connection_answers_503_and_writes_nothing(rem_api, rem_account, rem_sql):
    client_id = await known_client(rem_sql, rem_account.id)
    async with reminders_with_one_connection() as app, in_process(app) as http:
        # Its one connection is busy (a long transaction, say): the next request waits the pool timeout, then 503.
        async with app.state.context.engine.connect() as busy:
            await busy.execute(text("SELECT 1"))
            _assert_unavailable(await _post_reminder(http, rem_account, client_id, "Pendant la panne"))
        # Free again: the same request goes through, without anyone restarting anything.
        recovered = await eventually(lambda: _post_reminder(http, rem_account, client_id, "Après la panne"), timeout=10)
        assert recovered.status_code == 201, recovered.text
    texts = [row.text for row in await rem_sql("SELECT text FROM reminders WHERE account_id = :a", a=rem_account.id)]
    assert texts == ["Après la panne"]


@pytest.fixture
def role_with_one_connection():
    """A role PostgreSQL lets open one connection at most, and that connection, held open by someone else."""
    admin = create_engine(database_url("reminders", sync=True), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
        connection.execute(text(f"CREATE ROLE {ROLE} LOGIN CONNECTION LIMIT 1"))
    url = database_url("reminders", sync=True).replace("postgres@", f"{ROLE}@")
    holder = create_engine(url, poolclass=pool.NullPool)
    held = holder.connect()
    held.execute(text("SELECT 1"))
    yield database_url("reminders").replace("postgres@", f"{ROLE}@")
    held.close()
    holder.dispose()
    with admin.connect() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
    admin.dispose()


async def test_a_role_at_its_connection_limit_answers_503(rem_api, rem_account, rem_sql, role_with_one_connection):
    client_id = await known_client(rem_sql, rem_account.id)
    async with reminders_with_one_connection(role_with_one_connection) as app, in_process(app) as http:
        for _ in range(3):  # every attempt, not only the first: the pool does not hang on to a failed connect
            _assert_unavailable(await _post_reminder(http, rem_account, client_id, "Refusé"))
    assert await rem_sql("SELECT 1 FROM reminders WHERE account_id = :a", a=rem_account.id) == []


def test_errors_that_only_wrap_an_unreachable_server_are_told_apart_from_faults():
    """The classification the handlers and the last-resort middleware share."""
    from aiormq.exceptions import AMQPConnectionError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from shared.errors import unavailable_cause

    try:
        try:
            raise ConnectionRefusedError(111, "refused")
        except ConnectionRefusedError as refused:
            raise RuntimeError("while reading the access tables") from refused
    except RuntimeError as wrapped:
        assert unavailable_cause(wrapped) == "database"
    assert unavailable_cause(ExceptionGroup("task group", [ValueError(), PoolTimeout("no free connection")])) == (
        "database"
    )
    assert unavailable_cause(AMQPConnectionError("broker down")) == "broker"
    assert unavailable_cause(ValueError("a bug")) is None
    assert unavailable_cause(FileNotFoundError("a missing export file")) is None
