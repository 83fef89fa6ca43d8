"""List benchmark: GET /api/clients through the nginx gateway on the 1M-client bench account.

For every tab (all, clients, prospects) x sort (first_name, last_name, created_at, total_invoiced,
invoiced_orders, last_invoiced_at) x direction (asc, desc) it times two pages of ``limit`` rows:
the first page, and a page ``depth`` rows deep (its cursor found once by walking pages of 200).
Each page is requested ``runs`` times after ``warmup`` untimed requests, sequentially on one
keep-alive httpx client; p50 / p95 (nearest rank) / max are reported in milliseconds, measured
at the client, so they include the harness, nginx, uvicorn, FastAPI, auth and the three queries.
In the same run and for the same page it also times:
  * svc - the same request sent straight to uvicorn (no gateway),
  * orm - services.clients.listing.repository.list_page called through an AsyncSession,
  * sql - the exact SQL text and parameters list_page sent (captured with a SQLAlchemy event),
          executed bare on asyncpg (a prepared, cached statement, as the service's driver uses).
The ratio gw/sql is gateway p95 / SQL p95. EXPLAIN checks every page's plan (one Index Scan on an
ix_clients_* index, no Sort, no Filter) and EXPLAIN (ANALYZE, BUFFERS) of a first and a deep page
is printed. Results go to bench/results/list.json.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.config import BENCH_ACCOUNT_ID, BENCH_USER, DATABASE_URL, RESULTS_DIR, raw_dsn
from bench.generate import bench_client_count
from bench.sql_probe import Page, SqlProbe
from bench.stack import running_stack

TABS = ("all", "clients", "prospects")
SORTS = ("first_name", "last_name", "created_at", "total_invoiced", "invoiced_orders", "last_invoiced_at")
DIRECTIONS = ("asc", "desc")
TARGET_MS = 30.0
WALK_LIMIT = 200
EXPLAIN_CASE = ("clients", "last_name", "asc")


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarize(samples: list[float]) -> dict[str, float]:
    """p50, p95, max and mean of millisecond samples, rounded to microseconds."""
    return {
        "p50": round(percentile(samples, 50), 3),
        "p95": round(percentile(samples, 95), 3),
        "max": round(max(samples), 3),
        "mean": round(statistics.fmean(samples), 3),
        "n": len(samples),
    }


@dataclass
class Case:
    """One measured page and its figures."""

    tab: str
    sort: str
    direction: str
    page: str  # "first" or "deep"
    cursor: str | None = None
    gateway: dict[str, float] = field(default_factory=dict)
    service: dict[str, float] = field(default_factory=dict)
    orm: dict[str, float] = field(default_factory=dict)
    sql: dict[str, float] = field(default_factory=dict)
    ratio_p95: float = 0.0
    ratio_p50: float = 0.0
    gateway_first_request_ms: float | None = None
    same_rows: bool = False
    plan: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """'clients last_name asc deep'."""
        return f"{self.tab} {self.sort} {self.direction} {self.page}"


@dataclass
class Timed:
    """Timed requests of one page: the samples after warm-up, the very first request, the last body."""

    samples: list[float]
    first: float
    body: Any


def time_http(client: httpx.Client, params: dict[str, Any], *, runs: int, warmup: int) -> Timed:
    """Milliseconds of ``runs`` GET /api/clients after ``warmup`` untimed ones."""
    samples: list[float] = []
    first = None
    response = None
    for i in range(warmup + runs):
        started = time.perf_counter_ns()
        response = client.get("/api/clients", params=params)
        elapsed = (time.perf_counter_ns() - started) / 1e6
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/clients {params} -> {response.status_code}: {response.text[:300]}")
        first = elapsed if first is None else first
        if i >= warmup:
            samples.append(elapsed)
    assert response is not None and first is not None
    return Timed(samples, first, response.json())


def deep_cursor(client: httpx.Client, tab: str, sort: str, direction: str, depth: int) -> str:
    """The cursor after ``depth`` rows, found by walking pages of up to 200 through the gateway."""
    cursor: str | None = None
    seen = 0
    while seen < depth:
        params: dict[str, str | int] = {
            "tab": tab,
            "sort": sort,
            "direction": direction,
            "limit": min(WALK_LIMIT, depth - seen),
        }
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/clients", params=params).raise_for_status().json()
        seen += len(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            raise RuntimeError(f"{tab}/{sort}/{direction}: the list ends before {depth} rows")
    if cursor is None:
        raise ValueError(f"a deep page is at least one row deep, not {depth}")
    return cursor


def measure(
    gw: httpx.Client,
    svc: httpx.Client,
    probe: SqlProbe,
    runner: asyncio.Runner,
    case: Case,
    *,
    limit: int,
    runs: int,
    warmup: int,
) -> None:
    """Fill one case: gateway, direct service, list_page and bare SQL timings, and the plan."""
    params = {"tab": case.tab, "sort": case.sort, "direction": case.direction, "limit": limit}
    if case.cursor:
        params["cursor"] = case.cursor
    page = Page(case.tab, case.sort, case.direction, case.cursor, limit)
    gateway = time_http(gw, params, runs=runs, warmup=warmup)
    service = time_http(svc, params, runs=runs, warmup=warmup)
    # The first request of this page in the run: its pages may not be in shared_buffers yet.
    case.gateway_first_request_ms = round(gateway.first, 3)
    statement, sql_params, ids = runner.run(probe.statement_of(page))
    case.same_rows = [item["id"] for item in gateway.body["items"]] == ids
    case.orm = summarize(runner.run(probe.time_orm(page, runs=runs, warmup=warmup)))
    case.sql = summarize(runner.run(probe.time_sql(statement, sql_params, runs=runs, warmup=warmup)))
    case.gateway, case.service = summarize(gateway.samples), summarize(service.samples)
    case.ratio_p95 = round(case.gateway["p95"] / case.sql["p95"], 1)
    case.ratio_p50 = round(case.gateway["p50"] / case.sql["p50"], 1)
    case.plan = runner.run(probe.plan(statement, sql_params))


HEADER = (
    f"{'tab':<9} {'sort':<16} {'dir':<4} {'page':<5} | {'gw p50':>6} {'p95':>6} {'max':>6} | "
    f"{'svc p50':>7} {'p95':>6} | {'orm p50':>7} | {'sql p50':>7} {'p95':>6} | {'gw/sql':>6} | plan"
)


def row(case: Case) -> str:
    """One line of the results table."""
    g, s, o, q = case.gateway, case.service, case.orm, case.sql
    index = case.plan["scans"][0]["index"] if case.plan.get("scans") else "?"
    flag = "" if case.same_rows else " ROWS DIFFER"
    return (
        f"{case.tab:<9} {case.sort:<16} {case.direction:<4} {case.page:<5} | {g['p50']:6.2f} {g['p95']:6.2f} "
        f"{g['max']:6.1f} | {s['p50']:7.2f} {s['p95']:6.2f} | {o['p50']:7.2f} | {q['p50']:7.3f} "
        f"{q['p95']:6.3f} | {case.ratio_p95:5.1f}x | {'ok' if case.plan.get('ok') else 'BAD'} {index}{flag}"
    )


def summary(cases: list[Case]) -> dict[str, Any]:
    """Worst p95, target verdict, deep/first and gateway/SQL ratios."""
    worst = max(cases, key=lambda c: c.gateway["p95"])
    by_key = {(c.tab, c.sort, c.direction, c.page): c for c in cases}
    pairs = [
        (by_key[(t, s, d, "first")], by_key[(t, s, d, "deep")])
        for t, s, d, p in by_key
        if p == "first" and (t, s, d, "deep") in by_key
    ]
    deep_first = [deep.gateway["p95"] / first.gateway["p95"] for first, deep in pairs]
    deep_first_p50 = [deep.gateway["p50"] / first.gateway["p50"] for first, deep in pairs]
    ratios = [c.ratio_p95 for c in cases]
    overhead = [c.gateway["p50"] - c.sql["p50"] for c in cases]
    return {
        "worst_p95_ms": worst.gateway["p95"],
        "worst_case": worst.label,
        "target_ms": TARGET_MS,
        "target_met": worst.gateway["p95"] <= TARGET_MS,
        "median_p50_ms": round(statistics.median(c.gateway["p50"] for c in cases), 2),
        "median_p95_ms": round(statistics.median(c.gateway["p95"] for c in cases), 2),
        "deep_over_first_p95_median": round(statistics.median(deep_first), 2) if deep_first else None,
        "deep_over_first_p95_max": round(max(deep_first), 2) if deep_first else None,
        "deep_over_first_p50_median": round(statistics.median(deep_first_p50), 2) if pairs else None,
        "gw_over_sql_p95_median": round(statistics.median(ratios), 1),
        "gw_over_sql_p95_min": min(ratios),
        "gw_over_sql_p95_max": max(ratios),
        "gw_minus_sql_p50_median_ms": round(statistics.median(overhead), 2),
        "gateway_overhead_p50_median_ms": round(
            statistics.median(c.gateway["p50"] - c.service["p50"] for c in cases), 2
        ),
        "worst_first_request_ms": max((c.gateway_first_request_ms or 0.0) for c in cases),
        "plans_ok": all(c.plan.get("ok") for c in cases),
        "rows_match": all(c.same_rows for c in cases),
    }


def run(*, requests: int = 50, warmup: int = 5, depth: int = 10_000, limit: int = 50) -> int:
    """Start the stack, measure every case, print the table and write bench/results/list.json."""
    clients = bench_client_count()
    if not clients:
        raise SystemExit("the bench account is empty: run `python -m bench generate` first")
    print(
        f"bench account {BENCH_ACCOUNT_ID}: {clients:,} clients; {requests} timed requests per page "
        f"after {warmup} warm-up; limit {limit}; deep page after {depth:,} rows",
        flush=True,
    )
    cases: list[Case] = []
    explain: dict[str, str] = {}
    started = time.perf_counter()
    with running_stack() as stack, asyncio.Runner() as runner:
        token = stack.keys.token(account_id=BENCH_ACCOUNT_ID, user=BENCH_USER)
        headers = {"Authorization": f"Bearer {token}"}
        probe = runner.run(SqlProbe(url=DATABASE_URL, dsn=raw_dsn(), account_id=BENCH_ACCOUNT_ID).__aenter__())
        try:
            with (
                httpx.Client(base_url=stack.gateway_url, headers=headers, timeout=30) as gw,
                httpx.Client(base_url=stack.service_url, headers=headers, timeout=30) as svc,
            ):
                for _ in range(3):  # warm the processes, the pools and the caches once
                    for tab in TABS:
                        time_http(gw, {"tab": tab}, runs=10, warmup=0)
                print("walking to the deep cursors...", flush=True)
                walk_started = time.perf_counter()
                deep = {(t, s, d): deep_cursor(gw, t, s, d, depth) for t in TABS for s in SORTS for d in DIRECTIONS}
                walk_seconds = time.perf_counter() - walk_started
                print(HEADER)
                gc.disable()  # keep the harness's own pauses out of the figures
                try:
                    for (tab, sort, direction), cursor in deep.items():
                        for page, page_cursor in (("first", None), ("deep", cursor)):
                            case = Case(tab, sort, direction, page, page_cursor)
                            measure(gw, svc, probe, runner, case, limit=limit, runs=requests, warmup=warmup)
                            cases.append(case)
                            print(row(case), flush=True)
                finally:
                    gc.enable()
                for case in cases:
                    if (case.tab, case.sort, case.direction) == EXPLAIN_CASE:
                        explained = Page(case.tab, case.sort, case.direction, case.cursor, limit)
                        statement, params, _ = runner.run(probe.statement_of(explained))
                        explain[case.page] = runner.run(probe.explain_analyze(statement, params))
        finally:
            runner.run(probe.__aexit__(None, None, None))
    result = summary(cases)
    print_summary(result, explain, walk_seconds, clients)
    write_results(
        cases,
        result,
        explain,
        requests=requests,
        warmup=warmup,
        depth=depth,
        limit=limit,
        clients=clients,
        walk_seconds=walk_seconds,
        seconds=time.perf_counter() - started,
    )
    return 0 if result["target_met"] and result["plans_ok"] and result["rows_match"] else 1


def print_summary(result: dict[str, Any], explain: dict[str, str], walk_seconds: float, clients: int) -> None:
    """The EXPLAIN texts and the verdict."""
    for page, text in explain.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) - {' '.join(EXPLAIN_CASE)}, {page} page:\n{text}")
    r = result
    verdict = "MET" if r["target_met"] else "MISSED"
    print(f"""
SUMMARY ({clients:,} clients; cursor walks {walk_seconds:.1f} s)
  worst gateway p95      {r["worst_p95_ms"]:.2f} ms ({r["worst_case"]}): target {TARGET_MS:.0f} ms {verdict}
  all pages              median p50 {r["median_p50_ms"]} ms, median p95 {r["median_p95_ms"]} ms
  deep / first page      p95 median {r["deep_over_first_p95_median"]}x (max {r["deep_over_first_p95_max"]}x), \
p50 median {r["deep_over_first_p50_median"]}x
  gateway / bare SQL     p95 median {r["gw_over_sql_p95_median"]}x ({r["gw_over_sql_p95_min"]}-{r["gw_over_sql_p95_max"]}x); \
{r["gw_minus_sql_p50_median_ms"]} ms above the SQL at p50, of which nginx {r["gateway_overhead_p50_median_ms"]} ms
  slowest first request  {r["worst_first_request_ms"]:.1f} ms (untimed first hit of a page)
  plans                  {"every page: one Index Scan on ix_clients_*, no Sort, no Filter" if r["plans_ok"] else "SEE BAD ROWS"}
  rows                   {"gateway pages == SQL pages" if r["rows_match"] else "GATEWAY AND SQL PAGES DIFFER"}""")


def write_results(cases: list[Case], result: dict[str, Any], explain: dict[str, str], **meta: Any) -> None:
    """bench/results/list.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "client list through the gateway",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_after": os.getloadavg(),
        },
        "sql_method": "exact statement captured from listing.repository.list_page, run bare on asyncpg (prepared)",
        **meta,
        "summary": result,
        "explain_analyze": explain,
        "cases": [asdict(c) for c in cases],
    }
    path = RESULTS_DIR / "list.json"
    path.write_text(json.dumps(document, indent=2, default=str))
    print(f"results written to {path}")
