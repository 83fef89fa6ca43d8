"""Where the benchmarks run: the dedicated database, the bench account and the results folder."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

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
