"""What the events benchmark runs on: its own database, RabbitMQ vhost, seeded account and consumer process.

Everything here is created fresh by the benchmark and removed (vhost, process) when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from bench.config import ROOT, raw_dsn, sync_url
from bench.stack import _stop, _tail, free_port
from services.clients.models import Client
from shared.migrations import upgrade

DATABASE_URL = os.environ.get(
    "NEGOCE_BENCH_EVENTS_DATABASE_URL",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_bench_events_clients",
)
VHOST = "negoce_bench_events"
AMQP_SERVER = os.environ.get("NEGOCE_BENCH_AMQP_SERVER", "amqp://guest:guest@127.0.0.1:5672")
AMQP_URL = f"{AMQP_SERVER.rstrip('/')}/{VHOST}"
AMQP_USER = os.environ.get("NEGOCE_BENCH_AMQP_USER", "guest")
EVENTS_ACCOUNT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "negoce:bench-events-account")

# Columns the seed fills; every other column of clients is nullable or has a server default.
SEED_COLUMNS = (
    "account_id",
    "version",
    "kind",
    "first_name",
    "last_name",
    "company_name",
    "billing_postal_code",
    "billing_city",
    "billing_country",
    "shipping_same_as_billing",
    "accounting_code",
    "accepts_emailing",
    "accepts_mailing",
    "show_note_on_orders",
    "blocked",
    "sort_first_last",
    "sort_last_first",
)
SEED_SQL = f"""
INSERT INTO clients ({", ".join(SEED_COLUMNS)})
SELECT $1, 1,
       CASE WHEN n % 4 = 0 THEN 'company' ELSE 'person' END,
       CASE WHEN n % 4 = 0 THEN NULL ELSE 'Prénom' || n END,
       CASE WHEN n % 4 = 0 THEN NULL ELSE 'Nom' || lpad(n::text, 6, '0') END,
       CASE WHEN n % 4 = 0 THEN 'Domaine ' || lpad(n::text, 6, '0') END,
       '33000', 'Bordeaux', 'FR', true,
       '411B' || lpad(n::text, 7, '0'),
       false, true, false, false,
       CASE WHEN n % 4 = 0 THEN 'domaine ' || lpad(n::text, 6, '0') ELSE 'prenom' || n || ' nom' || lpad(n::text, 6, '0') END,
       CASE WHEN n % 4 = 0 THEN 'domaine ' || lpad(n::text, 6, '0') ELSE 'nom' || lpad(n::text, 6, '0') || ' prenom' || n END
  FROM generate_series(1, $2) AS n
"""


def rabbitmqctl(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run rabbitmqctl quietly; raise with its output when it fails and ``check``."""
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60)
    if check and done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr or done.stdout}")
    return done


def recreate_vhost() -> None:
    """A fresh, empty vhost (a leftover of an interrupted run is deleted first)."""
    rabbitmqctl("delete_vhost", VHOST, check=False)
    rabbitmqctl("add_vhost", VHOST)
    rabbitmqctl("set_permissions", "-p", VHOST, AMQP_USER, ".*", ".*", ".*")


def delete_vhost() -> None:
    """Remove the vhost and every queue in it."""
    rabbitmqctl("delete_vhost", VHOST, check=False)


def queue_depths() -> dict[str, int]:
    """Messages ready + unacked per queue of the vhost (rabbitmqctl; no management plugin needed)."""
    done = rabbitmqctl("list_queues", "-p", VHOST, "--no-table-headers", "name", "messages", check=False)
    depths = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            depths[parts[0]] = int(parts[1])
    return depths


def check_seed_columns() -> None:
    """Fail early if clients gained a required column the seed does not fill."""
    missing = [
        c.name
        for c in Client.__table__.columns
        if c.name not in SEED_COLUMNS and not c.nullable and c.server_default is None and c.identity is None
    ]
    if missing:
        raise SystemExit(f"bench/events_stack.py: the seed does not fill the required clients columns {missing}")


async def _drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[-1]
    admin = await asyncpg.connect(raw_dsn(url).rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _seed(dsn: str, clients: int) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("INSERT INTO accounts (id, name) VALUES ($1, $2)", EVENTS_ACCOUNT_ID, "Bench — events")
            # The per-row trigger fills account_client_counts (5,000 rows: well under a second).
            await conn.execute(SEED_SQL, EVENTS_ACCOUNT_ID, clients)
        await conn.execute("VACUUM (ANALYZE) clients")
        await conn.execute("ANALYZE")
        rows = await conn.fetch("SELECT id FROM clients WHERE account_id = $1 ORDER BY id", EVENTS_ACCOUNT_ID)
        return [r["id"] for r in rows]
    finally:
        await conn.close()


def prepare_database(clients: int) -> list[int]:
    """Drop, recreate and migrate the bench database, then seed the account; returns the client ids."""
    check_seed_columns()
    asyncio.run(_drop_database(DATABASE_URL))
    upgrade(service="clients", sync_url=sync_url(DATABASE_URL))
    return asyncio.run(_seed(raw_dsn(DATABASE_URL), clients))


# -- the consumer under test ---------------------------------------------------------------------------


@dataclass
class ConsumerProcess:
    """One clients service process (uvicorn), started and stopped by the benchmark."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    ready_after: float | None = None

    @property
    def log(self) -> Path:
        """Its stdout and stderr."""
        return self.workdir / "clients-service.log"

    @property
    def url(self) -> str:
        """Its HTTP address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Spawn ``uvicorn --factory services.clients.app:create_app`` against the bench database and vhost."""
        uvicorn = Path(sys.executable).parent / "uvicorn"
        command = [str(uvicorn)] if uvicorn.exists() else [sys.executable, "-m", "uvicorn"]
        env = {
            **os.environ,
            "NEGOCE_CLIENTS_DATABASE_URL": DATABASE_URL,
            "NEGOCE_AMQP_URL": AMQP_URL,
            "NEGOCE_ENVIRONMENT": "development",
            "NEGOCE_LOG_LEVEL": "WARNING",
            "NEGOCE_CLIENTS_RUN_CONSUMERS": "true",
            "PYTHONPATH": str(ROOT),
        }
        with self.log.open("ab") as out:
            # Own session: Ctrl-C reaches only the benchmark, which stops this process itself.
            self.process = subprocess.Popen(
                [
                    *command,
                    "--factory",
                    "services.clients.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.perf_counter()

    def check_alive(self) -> None:
        """Raise with the end of its log if it exited."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"the clients service exited with {self.process.returncode}:\n{_tail(self.log)}")

    async def wait_ready(self, timeout: float = 60.0) -> float:
        """Poll /ready until 200; returns the seconds since start."""
        deadline = time.perf_counter() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.perf_counter() < deadline:
                self.check_alive()
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.url}/ready")).status_code == 200:
                        self.ready_after = time.perf_counter() - self.started_at
                        return self.ready_after
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.url}/ready not ready after {timeout:.0f} s\n{_tail(self.log)}")

    def stop(self) -> None:
        """SIGTERM (graceful: FastStream drains its in-flight messages), SIGKILL after 15 s."""
        if self.process is not None:
            _stop(self.process, "clients service", signal.SIGTERM, grace=15.0)

    @property
    def pid(self) -> int:
        """Its process id."""
        assert self.process is not None
        return self.process.pid


@contextlib.contextmanager
def stopped_on_exit(consumer: ConsumerProcess) -> Iterator[ConsumerProcess]:
    """Stop the consumer however the block ends (error, Ctrl-C, SIGTERM)."""
    try:
        yield consumer
    finally:
        consumer.stop()


# -- CPU accounting from /proc (read only) ---------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process used so far; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _cpu_by_command(names: tuple[str, ...]) -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() in names:
                    total += _process_cpu(int(entry.name))
    return total


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / TICKS, total / TICKS


@dataclass
class CpuSample:
    """CPU seconds used so far by the consumer, PostgreSQL, RabbitMQ, the harness and the machine."""

    wall: float
    consumer: float
    postgres: float
    rabbitmq: float
    harness: float
    machine_busy: float

    @classmethod
    def take(cls, consumer_pid: int | None) -> CpuSample:
        """Read /proc now."""
        busy, _ = _machine_busy()
        return cls(
            wall=time.perf_counter(),
            consumer=_process_cpu(consumer_pid) if consumer_pid else 0.0,
            postgres=_cpu_by_command(("postgres",)),
            rabbitmq=_cpu_by_command(("beam.smp",)),
            harness=_process_cpu(os.getpid()),
            machine_busy=busy,
        )


def cpu_share(start: CpuSample, end: CpuSample) -> dict[str, float]:
    """Average cores used by each party between two samples (1.0 = one core fully busy)."""
    wall = max(end.wall - start.wall, 1e-9)
    return {
        name: round((getattr(end, name) - getattr(start, name)) / wall, 2)
        for name in ("consumer", "postgres", "rabbitmq", "harness", "machine_busy")
    } | {"cores": os.cpu_count() or 0, "seconds": round(wall, 2)}
