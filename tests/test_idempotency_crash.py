"""A reply lost to a killed orders process: the retry with the same Idempotency-Key is answered once.

The orders service runs under uvicorn in a subprocess, as in production. Killed after the commit
(the test-only CrashAfterCommit hook: SIGKILL as the answer is about to be sent), the key and
the confirmation are both committed, and the retry, to a new process, gets the first answer
without confirming again. Killed before the commit, nothing is kept and the retry runs for real.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from shared.idempotency import HEADER
from tests.orders_support import catalogue, order, orders_account, orders_sql, published_client  # noqa: F401
from tests.support import eventually

ROOT = Path(__file__).resolve().parents[1]
UVICORN = str(Path(sys.executable).with_name("uvicorn"))
CONFIRM = r"POST /api/orders/\d+/confirm"


class OrdersProcess:
    """The orders service under uvicorn in its own process; its log is kept for failure messages."""

    def __init__(self, port: int, **settings: str) -> None:
        self.port = port
        self.env = {
            **os.environ,
            "NEGOCE_ORDERS_RUN_CONSUMERS": "false",
            **{f"NEGOCE_ORDERS_{name.upper()}": value for name, value in settings.items()},
        }
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (the child process writes to it until stop())
        self.process = subprocess.Popen(
            [
                UVICORN,
                "--factory",
                "services.orders.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.port}"

    async def ready(self, timeout: float = 30.0) -> None:
        """Wait until /ready answers 200 (database and broker up)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=1) as http:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, f"orders exited early: {self.output()}"
                try:
                    if (await http.get("/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"orders did not become ready: {self.output()}")

    def output(self) -> str:
        """What the process logged so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        """Terminate it (if still running) and wait."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.log.close()


@pytest.fixture
def orders_process() -> Iterator:
    """Start orders processes for one test (``await start(**settings)``); all are stopped afterwards."""
    from tests.reminders_support import free_port

    started: list[OrdersProcess] = []

    async def start(**settings: str) -> OrdersProcess:
        process = OrdersProcess(free_port(), **settings)
        started.append(process)
        await process.ready()
        return process

    yield start
    for process in started:
        process.stop()


async def draft_order(orders_api) -> tuple:
    """An account with a draft order, made through the in-process orders service."""
    account = orders_account()
    cat = await catalogue(orders_api, account)
    client_id = await published_client(orders_api, account)
    created = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "6"}])
    return account, created


async def confirmed_events(orders_sql, order_id: int) -> int:
    """order.confirmed events written for the order."""
    [(count,)] = await orders_sql(
        "SELECT count(*) FROM outbox WHERE routing_key = 'order.confirmed' "
        "AND (body->'payload'->>'order_id')::bigint = :o",
        o=order_id,
    )
    return count


async def key_is_free(engine, account, key: str) -> bool:
    """Whether no transaction holds the key's lock (the same lock the service takes)."""
    async with engine.connect() as connection:
        free = await connection.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended(:lock, 0))"),
            {"lock": f"idempotency:{account.id}:{key}"},
        )
        await connection.rollback()
    return bool(free)


async def test_a_confirm_whose_reply_was_lost_after_commit_is_answered_once_on_retry(
    orders_api, orders_sql, orders_process
):
    account, created = await draft_order(orders_api)
    key, path = str(uuid.uuid4()), f"/api/orders/{created['id']}/confirm"
    doomed = await orders_process(crash_after_commit_on=CONFIRM)
    async with httpx.AsyncClient(base_url=doomed.url, timeout=15) as http:
        with pytest.raises(httpx.TransportError):
            await http.post(path, headers={**account.headers, HEADER: key})
    assert doomed.process.wait(timeout=15) == -signal.SIGKILL
    # Committed before the process died: the confirmation, its one event and the answer under the key.
    [(state, version)] = await orders_sql("SELECT state, version FROM orders WHERE id = :o", o=created["id"])
    assert (state, version) == ("confirmed", 2)
    assert await confirmed_events(orders_sql, created["id"]) == 1
    [(status, kept_body)] = await orders_sql(
        "SELECT status_code, body FROM idempotency_keys WHERE account_id = :a AND key = :k", a=account.id, k=key
    )
    assert status == 200

    restarted = await orders_process()
    async with httpx.AsyncClient(base_url=restarted.url, timeout=15) as http:
        retried = await http.post(path, headers={**account.headers, HEADER: key})
        assert retried.status_code == 200 and retried.headers["idempotent-replayed"] == "true"
        assert retried.content == kept_body and retried.json()["state"] == "confirmed"
        again = await http.post(path, headers={**account.headers, HEADER: key})
        assert again.content == retried.content
        current = await http.get(f"/api/orders/{created['id']}", headers=account.headers)
        assert current.json() == retried.json()
    assert await confirmed_events(orders_sql, created["id"]) == 1
    [(version,)] = await orders_sql("SELECT version FROM orders WHERE id = :o", o=created["id"])
    assert version == 2


async def test_a_confirm_killed_before_commit_leaves_nothing_and_the_retry_runs(
    orders_app, orders_api, orders_sql, orders_process
):
    account, created = await draft_order(orders_api)
    key, path = str(uuid.uuid4()), f"/api/orders/{created['id']}/confirm"
    engine = orders_app.state.context.engine
    doomed = await orders_process()
    async with engine.connect() as holder, httpx.AsyncClient(base_url=doomed.url, timeout=15) as http:
        # The order's row held here: the confirm claims its key, then waits for the row, uncommitted.
        await holder.execute(text("SELECT 1 FROM orders WHERE id = :o FOR UPDATE"), {"o": created["id"]})
        pending = asyncio.create_task(http.post(path, headers={**account.headers, HEADER: key}))

        async def waiting_for_the_row() -> bool:
            return bool(
                await orders_sql(
                    "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%FROM orders%FOR UPDATE%'"
                )
            )

        await eventually(waiting_for_the_row)
        assert not await key_is_free(engine, account, key)
        doomed.process.send_signal(signal.SIGKILL)
        assert doomed.process.wait(timeout=15) == -signal.SIGKILL
        with pytest.raises(httpx.TransportError):
            await asyncio.wait_for(pending, timeout=15)
        await holder.rollback()
    # The dead process's transaction never commits: PostgreSQL rolls it back and frees the key.
    await eventually(lambda: key_is_free(engine, account, key))
    assert await orders_sql("SELECT 1 FROM idempotency_keys WHERE account_id = :a", a=account.id) == []
    [(state,)] = await orders_sql("SELECT state FROM orders WHERE id = :o", o=created["id"])
    assert state == "draft" and await confirmed_events(orders_sql, created["id"]) == 0

    restarted = await orders_process()
    async with httpx.AsyncClient(base_url=restarted.url, timeout=15) as http:
        retried = await http.post(path, headers={**account.headers, HEADER: key})
    assert retried.status_code == 200 and "idempotent-replayed" not in retried.headers
    assert retried.json()["state"] == "confirmed" and await confirmed_events(orders_sql, created["id"]) == 1
