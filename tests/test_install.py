"""The install path: a runtime-only environment built from the lock runs every process kind.

The environment is what the image installs (requirements/runtime.txt with its hashes, then the project): no development
group, so a runtime import of a test-only package (httpx once was) fails here as it would in production.
Every process runs from a folder outside the checkout, so it imports the installed package, against fresh
databases migrated by that environment's `negoce db upgrade` and a RabbitMQ vhost of its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import redis
from sqlalchemy import create_engine, pool, text

from tests.access_support import free_port
from tests.conftest import DB_SUFFIX, SERVICES, TEST_VHOST, VHOST, _rabbitmqctl, recreate_database

# Half a minute or more of building and starting whole processes: after the suite, in make test.
pytestmark = pytest.mark.operations

ROOT = Path(__file__).resolve().parent.parent
PURPOSE = "install"
API_FACTORIES = {
    "clients": "services.clients.app:create_app",
    "orders": "services.orders.app:create_app",
    "reminders": "services.reminders.app:create_app",
    "mailings": "services.mailings.app:create_app",
    "identity": "services.identity.app:create_app",
    "console": "services.console.app:create_app",
}
CELERY_APP = "services.reminders.firing.worker:celery_app"
# Every entry point a deployment starts (compose, Kubernetes, the Procfile) and the CLI's module.
ENTRY_POINTS = [
    *API_FACTORIES.values(),
    "services.cli:app",
    "services.clients.exports.worker:run_worker",
    "services.mailings.renders.worker:run_worker",
    CELERY_APP,
]
STOP_SECONDS = 30.0


@dataclass
class Runtime:
    """The runtime-only environment and what its processes share."""

    bin: Path
    env: dict[str, str]
    workdir: Path

    def command(self, name: str) -> str:
        return str(self.bin / name)


def _uv() -> str:
    found = subprocess.run(
        [str(ROOT / "deploy" / "ensure-infra.sh"), "uv-path"], capture_output=True, text=True, timeout=300
    )
    assert found.returncode == 0, found.stderr
    return found.stdout.strip()


def _database(service: str) -> str:
    return f"negoce_{service}_test{DB_SUFFIX}_{PURPOSE}"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """requirements/runtime.txt in a new venv (from uv's cache), fresh databases and a vhost."""
    base = tmp_path_factory.mktemp("runtime")
    venv = base / "venv"
    # The same interpreter the image and .venv use; the same three steps as the image's build stage.
    python = str(venv / "bin" / "python")
    for step in (
        ["venv", "--quiet", str(venv), "--python", shutil.which("python3") or ""],
        [
            "pip",
            "sync",
            "--quiet",
            "--require-hashes",
            "--compile-bytecode",
            "--python",
            python,
            "requirements/runtime.txt",
        ],
        ["pip", "install", "--quiet", "--no-deps", "--compile-bytecode", "--python", python, "."],
    ):
        built = subprocess.run([_uv(), *step], cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert built.returncode == 0, built.stderr
    vhost = f"{VHOST}_{PURPOSE}"
    assert TEST_VHOST.fullmatch(vhost)  # so an interrupted run's vhost is cleared by the next run
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    identity_port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_CURRENT_TEST") and not name.startswith("COV_")
    }
    env.update(
        {
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "NEGOCE_AMQP_URL": f"amqp://guest:guest@127.0.0.1:5672/{vhost}",
            **{
                f"NEGOCE_{service.upper()}_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{_database(service)}"
                for service in SERVICES
            },
            "NEGOCE_IDENTITY_PORT": str(identity_port),
            "NEGOCE_IDENTITY_JWKS_URL": f"http://127.0.0.1:{identity_port}/api/identity/.well-known/jwks.json",
            "NEGOCE_CLIENTS_EXPORT_DIR": str(base / "exports"),
            "NEGOCE_MAILINGS_RENDER_DIR": str(base / "renders"),
            "NEGOCE_ORDERS_DOCUMENT_DIR": str(base / "documents"),
            "NEGOCE_CONSOLE_ASSETS_DIR": str(ROOT / "services" / "console" / "node_modules"),
            # Its own Celery queue in the shared Redis: another run's beat or worker never meets this one's.
            "NEGOCE_REMINDERS_CELERY_QUEUE": f"reminders-{vhost}",
            "NEGOCE_LOG_LEVEL": "INFO",
        }
    )
    workdir = base / "work"
    workdir.mkdir()
    runtime = Runtime(bin=venv / "bin", env=env, workdir=workdir)
    for service in SERVICES:
        recreate_database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{_database(service)}")
    upgraded = subprocess.run(
        [runtime.command("negoce"), "db", "upgrade"], cwd=workdir, env=env, capture_output=True, text=True, timeout=180
    )
    assert upgraded.returncode == 0, upgraded.stderr
    try:
        yield runtime
    finally:
        _rabbitmqctl("delete_vhost", vhost)
        for service in SERVICES:
            recreate_database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{_database(service)}")


class Process:
    """A process of the runtime environment, its output in a temporary file."""

    def __init__(self, runtime: Runtime, name: str, args: list[str], extra_env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (the child writes to it until it ends)
        self.popen = subprocess.Popen(
            args,
            cwd=runtime.workdir,
            env={**runtime.env, **(extra_env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> int:
        """SIGTERM, as compose and Kubernetes stop a container; the exit status (SIGKILL after a while)."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
            return -9

    def kill(self) -> None:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


def _wait(check: Callable[[], Any], what: str, processes: list[Process], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            assert process.alive(), f"{process.name} exited {process.popen.returncode}:\n{process.output()[-3000:]}"
        if value := check():
            return value
        time.sleep(0.3)
    logs = "\n".join(f"--- {process.name}:\n{process.output()[-2000:]}" for process in processes)
    pytest.fail(f"{what} within {timeout:.0f}s\n{logs}")


def _stop_all(processes: list[Process], *, last_line: str | None = None) -> None:
    # Clean: exit 0, or (uvicorn, which re-raises the signal once shut down) killed by that SIGTERM, and
    # only after the line that says the shutdown ran to its end, when the process kind has one.
    statuses = {process.name: process.stop() for process in processes}
    failed = {
        name: status
        for name, status in statuses.items()
        if status not in (0, -signal.SIGTERM)
        or (last_line is not None and last_line not in next(p for p in processes if p.name == name).output())
    }
    logs = "\n".join(f"--- {p.name}:\n{p.output()[-2000:]}" for p in processes if p.name in failed)
    assert not failed, f"did not stop cleanly on SIGTERM: {failed}\n{logs}"


@pytest.mark.timeout(300)
def test_every_entry_point_imports_without_the_development_tools(runtime: Runtime) -> None:
    """Each app factory, the CLI, the workers and the Celery app import; the development tools are absent."""
    script = (
        "import importlib, importlib.util, sys\n"
        f"for entry in {ENTRY_POINTS!r}:\n"
        "    module, _, name = entry.partition(':')\n"
        "    assert getattr(importlib.import_module(module), name), entry\n"
        "absent = [m for m in ('pytest', 'aiosmtpd', 'schemathesis', 'playwright', 'ruff', 'mypy')\n"
        "          if importlib.util.find_spec(m)]\n"
        "assert not absent, absent\n"
        "import services; print(services.__file__)\n"
    )
    result = subprocess.run(
        [runtime.command("python"), "-c", script],
        cwd=runtime.workdir,
        env=runtime.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # The installed package, not the checkout's sources.
    assert "site-packages" in result.stdout


@pytest.mark.timeout(300)
def test_each_api_with_its_consumers_and_relay_starts_ready_and_stops_cleanly(runtime: Runtime) -> None:
    """Every API and the console answer /ready 200; each service's queues have a consumer, its relay LISTENs."""
    ports = {name: free_port() for name in API_FACTORIES}
    ports["identity"] = int(runtime.env["NEGOCE_IDENTITY_PORT"])
    processes = [
        Process(
            runtime,
            name,
            [runtime.command("uvicorn"), "--factory", factory, "--host", "127.0.0.1", "--port", str(ports[name])],
            {"NEGOCE_MAILINGS_CLIENTS_URL": f"http://127.0.0.1:{ports['clients']}"},
        )
        for name, factory in API_FACTORIES.items()
    ]
    try:

        def all_ready() -> bool:
            for port in ports.values():
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=3).status_code != 200:
                        return False
                except httpx.HTTPError:
                    return False
            return True

        _wait(all_ready, "every API ready", processes, timeout=150)
        vhost = runtime.env["NEGOCE_AMQP_URL"].rsplit("/", 1)[1]

        def consumed_services() -> set[str]:
            listed = _rabbitmqctl("list_queues", "-p", vhost, "--no-table-headers", "name", "consumers")
            rows = [line.split() for line in listed.splitlines() if line.strip()]
            return {name.split(".", 1)[0] for name, consumers in rows if int(consumers) > 0}

        _wait(lambda: consumed_services() >= set(SERVICES), "a consumer on every service's queues", processes, 60)
        admin = create_engine(
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
            poolclass=pool.NullPool,
            isolation_level="AUTOCOMMIT",
        )
        try:

            def listening() -> bool:
                with admin.connect() as connection:
                    databases = connection.execute(
                        text("SELECT DISTINCT datname FROM pg_stat_activity WHERE query ILIKE 'LISTEN%'")
                    ).scalars()
                    return {_database(service) for service in SERVICES} <= set(databases)

            _wait(listening, "an outbox relay LISTENing in every service database", processes, 60)
        finally:
            admin.dispose()
    except BaseException:
        for process in processes:
            process.kill()
        raise
    _stop_all(processes, last_line="Application shutdown complete.")


@pytest.mark.timeout(300)
def test_the_export_and_render_workers_start_and_stop_cleanly(runtime: Runtime) -> None:
    """Both leased-job workers stay up a few seconds against the databases, then stop on SIGTERM."""
    processes = [
        Process(runtime, "exports", [runtime.command("negoce"), "clients", "export-worker"]),
        Process(runtime, "renders", [runtime.command("python"), "-m", "services.mailings.renders.worker"]),
    ]
    try:
        _wait(lambda: "render worker started" in processes[1].output(), "the render worker's start line", processes, 60)
        started = time.monotonic()
        _wait(lambda: time.monotonic() - started > 4, "", processes, 10)
    except BaseException:
        for process in processes:
            process.kill()
        raise
    _stop_all(processes)


@pytest.mark.timeout(300)
def test_celery_beat_sends_ticks_and_the_worker_takes_them(runtime: Runtime) -> None:
    """Beat alone fills the reminders queue with ticks; the worker then comes up and drains it."""
    queue = runtime.env["NEGOCE_REMINDERS_CELERY_QUEUE"]
    client = redis.Redis.from_url(runtime.env.get("NEGOCE_REDIS_URL", "redis://127.0.0.1:6379/0"))
    client.delete(queue)
    schedule = runtime.workdir / "celerybeat-schedule"
    beat = Process(runtime, "beat", [runtime.command("celery"), "-A", CELERY_APP, "beat", "--schedule", str(schedule)])
    worker: Process | None = None
    try:
        _wait(lambda: client.llen(queue) >= 2, "two ticks from beat in the queue", [beat], 60)
        worker = Process(
            runtime,
            "worker",
            [runtime.command("celery"), "-A", CELERY_APP, "worker", "--loglevel", "INFO", "--concurrency", "1"],
        )
        _wait(lambda: "ready." in worker.output(), "the Celery worker ready", [beat, worker], 90)
        # Beat keeps ticking twice a second: drained means the worker keeps up, not an empty list forever.
        _wait(lambda: client.llen(queue) <= 1, "the worker taking the ticks", [beat, worker], 60)
    except BaseException:
        for process in (beat, worker):
            if process is not None:
                process.kill()
        raise
    _stop_all([beat, worker])
    client.delete(queue)
    client.close()
