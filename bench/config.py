"""Where the benchmarks run: the dedicated database, the bench account and the results folder."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"

# A dedicated database, so the benchmark never touches the development or test data.
DATABASE_URL = os.environ.get(
    "NEGOCE_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_bench_clients"
)
BENCH_ACCOUNT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "negoce:bench-account")
BENCH_ACCOUNT_NAME = "Bench — 1M clients"
BENCH_USER = "bench"
DEFAULT_CLIENTS = 1_000_000


def sync_url(url: str = DATABASE_URL) -> str:
    """The same database through psycopg (Alembic)."""
    return url.replace("+asyncpg", "+psycopg")


def raw_dsn(url: str = DATABASE_URL) -> str:
    """A libpq DSN for asyncpg.connect."""
    return url.replace("postgresql+asyncpg", "postgresql").replace("postgresql+psycopg", "postgresql")


def code_under_test() -> dict[str, Any]:
    """The commit the service runs from, and the files of services/ and shared/ changed since (uncommitted)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
        return done.stdout.strip() if done.returncode == 0 else ""

    dirty = [line[3:] for line in git("status", "--porcelain", "--", "services", "shared").splitlines()]
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "subject": git("log", "-1", "--format=%s"),
        "uncommitted_in_services_or_shared": dirty,
    }
