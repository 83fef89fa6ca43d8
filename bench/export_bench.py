"""Export benchmark on the 1M-client bench account: CSV streamed through the gateway, XLSX by the worker.

CSV: `GET /api/clients/exports/clients.csv` (the whole base, and a search) read to the end through
the nginx gateway; rows/s is data rows over wall time at the client. In the same run, the bare
`COPY (the same formatted SELECT) TO STDOUT` on asyncpg gives the ceiling, and the clients process's
resident memory is sampled every 20 ms while it streams (peak and growth over its idle size).
XLSX: a job of exactly ``xlsx_rows`` clients (an id list) is queued through the gateway and built by
one `negoce clients export-worker` process; the time is from the POST to the job's `done`, and the
worker's peak resident memory is its VmHWM. Results go to bench/results/exports.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.config import BENCH_ACCOUNT_ID, BENCH_USER, DATABASE_URL, RESULTS_DIR, ROOT, raw_dsn
from bench.stack import running_stack
from services.clients.exports import repository as exports_repository

TARGET_CSV_ROWS_PER_S = 100_000
TARGET_CSV_PEAK_MB = 150
TARGET_XLSX_SECONDS = 20.0


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (VmRSS) or its peak (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


class MemorySampler:
    """Samples a process's resident memory in a thread while a block runs."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def stream_csv(client: httpx.Client, params: dict[str, Any], pid: int) -> dict[str, Any]:
    """Read one CSV export to the end; rows/s, bytes, and the service's memory while it streamed."""
    idle = rss_mb(pid)
    size = newlines = 0
    with MemorySampler(pid) as memory:
        started = time.perf_counter()
        with client.stream("GET", "/api/clients/exports/clients.csv", params=params) as response:
            response.raise_for_status()
            for chunk in response.iter_bytes(1 << 16):
                size += len(chunk)
                newlines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
    rows = newlines - 1  # the header; notes with line breaks would count twice (none in the bench data)
    return {
        "params": params,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "mb": round(size / 1e6, 1),
        "service_idle_mb": round(idle, 1),
        "service_peak_mb": round(memory.peak, 1),
        "service_growth_mb": round(memory.peak - idle, 1),
    }


async def bare_copy(params_q: str | None) -> dict[str, Any]:
    """The ceiling: the service's own formatted statement through COPY, straight from asyncpg, no HTTP."""
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from services.clients.base import repository
    from services.clients.exports.service import prepared_export
    from services.clients.search.params import SearchParams
    from services.clients.search.service import search_conditions

    engine = create_async_engine(DATABASE_URL)
    try:
        async with AsyncSession(engine) as session:
            account = await repository.get_account(session, account_id=BENCH_ACCOUNT_ID)
            if account is None:
                raise RuntimeError(
                    f"no bench account {BENCH_ACCOUNT_ID}: load it first with `python -m bench generate`"
                )
            search = SearchParams(q=params_q)
            conditions = await search_conditions(
                session, account_id=account.id, timezone=account.timezone, search=search
            )
            prepared = await prepared_export(
                session,
                account,
                kind="clients",
                cells="spreadsheet",
                search=search,
                conditions=conditions,
                tab="all",
                sort="name",
                direction="asc",
                extension="csv",
            )
        sql, args = exports_repository.for_asyncpg(prepared.statement)
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(raw_dsn())
    size = newlines = 0

    async def sink(chunk: bytes) -> None:
        nonlocal size, newlines
        size += len(chunk)
        newlines += chunk.count(b"\n")

    try:
        started = time.perf_counter()
        await connection.copy_from_query(sql, *args, output=sink, format="csv", delimiter=";")
        seconds = time.perf_counter() - started
    finally:
        await connection.close()
    return {"q": params_q, "rows": newlines, "seconds": round(seconds, 2), "rows_per_s": round(newlines / seconds)}


async def first_ids(count: int) -> list[int]:
    """The ids of the first ``count`` listed clients of the bench account."""
    connection = await asyncpg.connect(raw_dsn())
    try:
        rows = await connection.fetch(
            "SELECT id FROM clients WHERE account_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT $2",
            BENCH_ACCOUNT_ID,
            count,
        )
    finally:
        await connection.close()
    return [r["id"] for r in rows]


def xlsx_job(client: httpx.Client, ids: list[int], export_dir: Path) -> dict[str, Any]:
    """Queue an XLSX of these clients, run one worker process, time POST -> done; the worker's peak memory."""
    env = {
        **os.environ,
        "NEGOCE_CLIENTS_DATABASE_URL": DATABASE_URL,
        "NEGOCE_CLIENTS_EXPORT_DIR": str(export_dir),
        "NEGOCE_CLIENTS_EXPORT_POLL_SECONDS": "0.05",
        "NEGOCE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "negoce"), "clients", "export-worker"], cwd=ROOT, env=env
    )
    try:
        time.sleep(1.5)  # the worker is up and polling: its start-up is not the export's time
        started = time.perf_counter()
        job = client.post("/api/clients/exports", json={"selection": {"client_ids": ids}}).raise_for_status().json()
        percents = []
        while job["state"] not in ("done", "failed"):
            if worker.poll() is not None:
                raise RuntimeError(f"the export worker exited with {worker.returncode}")
            time.sleep(0.1)
            job = client.get(f"/api/clients/exports/{job['id']}").raise_for_status().json()
            percents.append(job["percent"])
        seconds = time.perf_counter() - started
        peak = rss_mb(worker.pid, "VmHWM")
        if job["state"] != "done":
            raise RuntimeError(f"the XLSX job failed: {job['error']}")
        size = len(client.get(job["download_url"]).raise_for_status().content)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return {
        "rows": job["rows_done"],
        "seconds": round(seconds, 2),
        "rows_per_s": round(job["rows_done"] / seconds),
        "worker_peak_mb": round(peak, 1),
        "file_mb": round(size / 1e6, 1),
        "progress_seen": sorted(set(percents))[:12],
    }


def run(*, xlsx_rows: int = 100_000) -> int:
    """Run the export benchmark; 0 when every target is met."""
    results: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "csv": [], "bare": []}
    # The service (started with this environment) and the worker must share the folder of finished files.
    export_dir = Path(tempfile.mkdtemp(prefix="negoce-bench-exports-"))
    os.environ["NEGOCE_CLIENTS_EXPORT_DIR"] = str(export_dir)
    with running_stack() as stack:
        token = stack.keys.token(account_id=BENCH_ACCOUNT_ID, user=BENCH_USER)
        with httpx.Client(
            base_url=stack.gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=600
        ) as client:
            for params in ({}, {"q": "dept:33"}):
                results["csv"].append(stream_csv(client, params, stack.service_pid))
                results["bare"].append(asyncio.run(bare_copy(params.get("q"))))
            ids = asyncio.run(first_ids(xlsx_rows))
            results["xlsx"] = xlsx_job(client, ids, export_dir)
    shutil.rmtree(export_dir, ignore_errors=True)
    _print(results)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "exports.json").write_text(json.dumps(results, indent=2))
    whole = results["csv"][0]
    met = (
        whole["rows_per_s"] >= TARGET_CSV_ROWS_PER_S
        and whole["service_peak_mb"] <= TARGET_CSV_PEAK_MB
        and results["xlsx"]["seconds"] <= TARGET_XLSX_SECONDS
    )
    return 0 if met else 1


def _print(results: dict[str, Any]) -> None:
    print(f"\nExports ({results['machine']})")
    print(
        f"{'CSV through the gateway':34} {'rows':>9} {'s':>6} {'rows/s':>9} {'MB':>6} {'svc peak MB':>12}"
        f" {'growth':>7} {'bare COPY rows/s':>17} {'ratio':>6}"
    )
    for csv_run, bare in zip(results["csv"], results["bare"], strict=True):
        label = csv_run["params"].get("q", "whole base")
        print(
            f"{label:34} {csv_run['rows']:>9} {csv_run['seconds']:>6} {csv_run['rows_per_s']:>9}"
            f" {csv_run['mb']:>6} {csv_run['service_peak_mb']:>12} {csv_run['service_growth_mb']:>7}"
            f" {bare['rows_per_s']:>17} {csv_run['rows_per_s'] / bare['rows_per_s']:>6.2f}"
        )
    x = results["xlsx"]
    print(
        f"XLSX of {x['rows']} clients: {x['seconds']} s ({x['rows_per_s']} rows/s), worker peak {x['worker_peak_mb']}"
        f" MB, file {x['file_mb']} MB; progress seen {x['progress_seen']}"
    )
    print(
        f"targets: CSV >= {TARGET_CSV_ROWS_PER_S} rows/s and <= {TARGET_CSV_PEAK_MB} MB; XLSX 100k rows <="
        f" {TARGET_XLSX_SECONDS:.0f} s"
    )
