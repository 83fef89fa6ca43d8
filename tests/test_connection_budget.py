"""The connection budget of docs/scaling.md holds: `make run` stays well within PostgreSQL's max_connections."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, pool, text

from services.reminders.firing.worker import CHILD_CONNECTIONS
from shared.db import JOB_WORKER_CONNECTIONS
from shared.settings import ServiceSettings
from tests.conftest import database_url

PROCFILE = Path(__file__).resolve().parent.parent / "deploy" / "Procfile"
APIS = {"clients", "orders", "reminders", "mailings", "identity"}
# Processes that never connect to PostgreSQL: the console and the gateway speak HTTP, beat only sends ticks.
WITHOUT_DATABASE = {"console", "gateway", "smtp", "reminders-beat"}
# At most half of what the server allows: the rest is for psql, migrations, backups and a test suite beside it.
SHARE_OF_THE_SERVER = 0.5


def _default(name: str) -> int:
    return int(ServiceSettings.model_fields[name].default)


def connections_of(process: str, command: str) -> int:
    """The most connections one process of `make run` opens with the default settings (docs/scaling.md's table)."""
    if process in APIS:  # its pool at its fullest, and the relay's LISTEN
        return _default("database_pool_size") + _default("database_max_overflow") + 1
    if process in {"exports", "renders"}:
        return JOB_WORKER_CONNECTIONS
    if process == "reminders-worker":
        concurrency = re.search(r"--concurrency (\d+)", command)
        assert concurrency, "the Celery worker's concurrency must be explicit: each child has its own pool"
        return int(concurrency[1]) * CHILD_CONNECTIONS
    if process == "demo":  # one command at a time, one connection each (services/cli.py _in_db)
        return 1
    assert process in WITHOUT_DATABASE, f"{process}: a new process kind; give it its line in docs/scaling.md"
    return 0


def test_make_run_needs_at_most_half_of_max_connections():
    processes = dict(
        line.split(":", 1) for line in PROCFILE.read_text().splitlines() if line.strip() and not line.startswith("#")
    )
    total = sum(connections_of(name.strip(), command) for name, command in processes.items())
    engine = create_engine(database_url("clients", sync=True), poolclass=pool.NullPool)
    with engine.connect() as connection:
        allowed = int(connection.scalar(text("SHOW max_connections"))) - int(
            connection.scalar(text("SHOW superuser_reserved_connections"))
        )
    engine.dispose()
    assert total == 39, f"make run opens at most {total} connections: update docs/scaling.md's table"
    assert total <= SHARE_OF_THE_SERVER * allowed, (total, allowed)
