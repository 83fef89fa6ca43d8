"""Fixtures and helpers of the reminders tests: the service, client events, Celery processes."""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import text

from shared.events.clients import AddressPayload, ClientSnapshot
from tests.access_support import account_token, announce_account, announce_user
from tests.conftest import AMQP_URL, RUN_ID, running
from tests.support import eventually, in_process, publish_event

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(ROOT / ".venv" / "bin" / "celery")
# Client ids are global in the clients service; random bases keep runs and tests apart.
_client_ids = itertools.count(random.randint(10**9, 2 * 10**9))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
async def reminders_app() -> AsyncIterator[FastAPI]:
    """The reminders service with its consumers and relay running against the real servers."""
    from services.reminders.app import create_app

    async with running(create_app()) as app:
        yield app


@pytest.fixture(scope="session")
async def rem_api(reminders_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the reminders service in process."""
    async with in_process(reminders_app) as client:
        yield client


@pytest.fixture
async def rem_sql(reminders_app: FastAPI) -> Any:
    """Run a statement on the reminders test database and commit: ``await rem_sql("select ...", **params)``."""
    engine = reminders_app.state.context.engine

    async def run(query: str, **params: object) -> list:
        async with engine.begin() as connection:
            return list((await connection.execute(text(query), params)).all())

    return run


@dataclass
class RemAccount:
    """An account of the reminders tests, with a token per user."""

    id: uuid.UUID
    user: str = "tester"
    tokens: dict[str, str] = field(default_factory=dict)

    def headers_for(self, user: str) -> dict[str, str]:
        """Authorization header of one user of the account."""
        if user not in self.tokens:
            self.tokens[user] = account_token(self.id, user)
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    @property
    def headers(self) -> dict[str, str]:
        """Authorization header of the account's main user."""
        return self.headers_for(self.user)


async def new_rem_account(rem_api: httpx.AsyncClient, *, email: str | None = None) -> RemAccount:
    """A fresh account whose user 'tester' identity announced, with their e-mail address."""
    account = RemAccount(id=uuid.uuid4())
    announce_account(account.id)
    announce_user(account.id, account.user, email=email)
    return account


@pytest.fixture
async def rem_account(rem_api: httpx.AsyncClient) -> RemAccount:
    """A fresh account per test (tenancy keeps tests apart)."""
    return await new_rem_account(rem_api)


def snapshot(client_id: int, *, name: str = "Dupont", version: int = 1) -> dict[str, Any]:
    """A client.created payload as the clients service publishes it."""
    now = datetime.now(UTC)
    return ClientSnapshot(
        client_id=client_id,
        version=version,
        kind="person",
        last_name=name,
        display_name=name,
        billing_address=AddressPayload(city="Beaune"),
        accounting_code=f"411{client_id}",
        accepts_emailing=True,
        accepts_mailing=True,
        created_at=now,
        updated_at=now,
    ).model_dump(mode="json")


async def send_client_event(account_id: uuid.UUID, event_type: str, payload: dict[str, Any]) -> uuid.UUID:
    """Publish a client event on the clients exchange, as the clients service's relay would."""
    return await publish_event(
        AMQP_URL, exchange="negoce.clients", event_type=event_type, account_id=account_id, payload=payload
    )


async def known_client(rem_sql: Any, account_id: uuid.UUID, *, name: str = "Dupont") -> int:
    """A client created through its client.created event, once the reminders service knows it."""
    client_id = next(_client_ids)
    await send_client_event(account_id, "client.created", snapshot(client_id, name=name))

    async def known() -> bool:
        return bool(await rem_sql("SELECT 1 FROM client_replicas WHERE client_id = :c AND version > 0", c=client_id))

    await eventually(known)
    return client_id


# --- Celery processes ---------------------------------------------------------------------------

CELERY_QUEUE = f"reminders_test_{RUN_ID}"


class RedisServer:
    """A private redis-server, so the tests can stop and restart Celery's broker without touching others'."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Celery broker URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) the server on its port and wait until it answers."""
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """Stop the server abruptly."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class CeleryProcess:
    """A celery worker or beat of services.reminders.firing.worker, run as a child process."""

    def __init__(self, kind: str, *, broker_url: str, workdir: Path, name: str, **settings: object) -> None:
        self.kind, self.name, self.workdir = kind, name, workdir
        self.env = {
            **os.environ,
            "NEGOCE_REMINDERS_CELERY_BROKER_URL": broker_url,
            "NEGOCE_REMINDERS_CELERY_QUEUE": CELERY_QUEUE,
            **{f"NEGOCE_REMINDERS_{k.upper()}": str(v) for k, v in settings.items()},
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"{name}.log"

    def start(self) -> CeleryProcess:
        """Start the process; its output goes to a log file shown when a test fails."""
        command = [CELERY, "-A", "services.reminders.firing.worker:celery_app", self.kind, "--loglevel", "INFO"]
        if self.kind == "worker":
            command += ["--pool", "solo", "--hostname", f"{self.name}@%h", "--without-gossip", "--without-mingle"]
        else:
            command += ["--schedule", str(self.workdir / "celerybeat-schedule")]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.process is not None
        return self.process.pid

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def output(self) -> str:
        """What the process logged."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class CeleryCluster:
    """The broker, workers and beat of one test; everything started is stopped at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.redis = RedisServer(workdir)
        self.processes: list[CeleryProcess] = []

    def worker(self, name: str = "w1", **settings: object) -> CeleryProcess:
        """Start a worker (solo pool: killing it kills the task it runs)."""
        return self._add(
            CeleryProcess("worker", broker_url=self.redis.url, workdir=self.workdir, name=name, **settings)
        )

    def beat(self, **settings: object) -> CeleryProcess:
        """Start beat with its schedule file in the test's folder."""
        return self._add(
            CeleryProcess("beat", broker_url=self.redis.url, workdir=self.workdir, name="beat", **settings)
        )

    def _add(self, process: CeleryProcess) -> CeleryProcess:
        self.processes.append(process.start())
        return process

    def stop(self) -> None:
        """Stop every process started, then the broker."""
        for process in self.processes:
            process.kill(signal.SIGTERM)
        self.redis.kill()

    def ticks_waiting(self) -> int:
        """Tasks the broker still holds: queued (every priority list) or delivered and not yet acknowledged."""
        client = redis.Redis.from_url(self.redis.url)
        try:
            queued = sum(client.llen(key) for key in client.scan_iter(match=f"{CELERY_QUEUE}*", _type="list"))
            return queued + client.hlen("unacked")
        finally:
            client.close()

    def logs(self) -> str:
        """The tail of every process's log."""
        return "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in self.processes)


@pytest.fixture
def celery_cluster() -> Iterator[CeleryCluster]:
    """A private Redis broker for Celery; workers and beat are started by the test."""
    with tempfile.TemporaryDirectory(prefix="negoce-rem-") as directory:
        cluster = CeleryCluster(Path(directory))
        cluster.redis.start()
        try:
            yield cluster
        finally:
            cluster.stop()
            sys.stderr.write(cluster.logs())  # captured: pytest shows it when the test fails
