"""Search benchmark: GET /api/clients with a search, through the nginx gateway, on the 1M-client bench account.

One case per searchable field (a rare and a common name, an e-mail fragment, a phone in three
notations, postal code, department, city, country, category, price grid, tags any/all/none,
invoice and order numbers, order counts, totals, invoiced and created date ranges, has:,
consents, blocked, status), compound searches typed in `q`, and the second page (cursor) of a
few of them; see bench/search_cases.py. Each case is requested ``requests`` times after
``warmup`` untimed requests, sequentially on one keep-alive client (fewer if a case exceeds its
time budget); p50 / p95 (nearest rank) / max in milliseconds, measured at the client.

In the same run, every SQL statement the request sent (account and tab counts, label names,
settings, the page, and the statement that counts the matches: a capped count, or the first
matches fetched unordered), captured from services.clients.listing.service.list_clients with a
SQLAlchemy event, is replayed bare on asyncpg in one transaction (prepared, as the service's
driver does) and timed as one sequence: sql p95, its page and count parts at p50, and
gw/sql = gateway p95 / SQL p95. Each case's page and count plans are outlined, with whether
PostgreSQL ran the prepared statement with a generic plan (G); EXPLAIN (ANALYZE, BUFFERS) of the
page and count queries of the 3 slowest cases is printed.
Targets (issue 4): p95 <= 50 ms per single-field search, <= 150 ms per compound search.
Results go to bench/results/search.json.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import platform
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from bench.config import BENCH_ACCOUNT_ID, BENCH_USER, DATABASE_URL, RESULTS_DIR, code_under_test, raw_dsn
from bench.generate import bench_client_count, bench_stale_reasons
from bench.list_bench import summarize
from bench.search_cases import COMPOUND_TARGET_MS, SINGLE_TARGET_MS, SearchCase, build_cases
from bench.sql_probe import SearchProbe, statement_kind
from bench.stack import running_stack

EXPLAINED = 3


def time_gateway(
    client: httpx.Client, params: dict[str, Any], *, runs: int, warmup: int, budget: float
) -> tuple[list[float], dict[str, Any]]:
    """Milliseconds of GET /api/clients after ``warmup`` untimed requests; stops after ``budget`` s (>= 5 runs)."""
    samples: list[float] = []
    body: dict[str, Any] = {}
    deadline = time.monotonic() + budget
    for i in range(warmup + runs):
        started = time.perf_counter_ns()
        response = client.get("/api/clients", params=params)
        elapsed = (time.perf_counter_ns() - started) / 1e6
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/clients {params} -> {response.status_code}: {response.text[:300]}")
        body = response.json()
        if i >= warmup:
            samples.append(elapsed)
            if len(samples) >= 5 and time.monotonic() > deadline:
                break
    return samples, body


def measure(
    gw: httpx.Client,
    probe: SearchProbe,
    runner: asyncio.Runner,
    case: SearchCase,
    *,
    limit: int,
    runs: int,
    warmup: int,
    budget: float,
) -> None:
    """Fill one case: gateway timings, the request's SQL timed bare, plans, matches."""
    params = {"limit": limit, **case.params}
    if case.page == 2:
        first = gw.get("/api/clients", params=params).raise_for_status().json()
        if first["next_cursor"] is None:
            raise RuntimeError(f"{case.label}: a single page, no second page to time")
        params["cursor"] = first["next_cursor"]
    samples, body = time_gateway(gw, params, runs=runs, warmup=warmup, budget=budget)
    request = runner.run(probe.request(params))
    before = runner.run(probe.plan_modes())
    totals, by_kind = runner.run(probe.time_request(request.statements, runs=runs, warmup=warmup, budget=budget))
    after = runner.run(probe.plan_modes())
    gateway, sql = summarize(samples), summarize(totals)
    plans = {}
    for kind in ("page", "count"):
        for statement, sql_params in request.of_kind(kind):
            generic = after.get(statement, (0, 0))[0] - before.get(statement, (0, 0))[0]
            outline = runner.run(probe.plan_outline(statement, sql_params))
            plans[kind] = f"{outline}{' [GENERIC plan used]' if generic else ''}"
    case.results = {
        "params": params,
        "gateway": gateway,
        "sql": sql,
        "sql_p50_by_kind": {kind: summarize(ms)["p50"] for kind, ms in by_kind.items()},
        "ratio_p95": round(gateway["p95"] / sql["p95"], 1),
        "target_ms": case.target_ms,
        "met": gateway["p95"] <= case.target_ms,
        "matches": body["counts"],
        "rows": len(body["items"]),
        "same_rows": [item["id"] for item in body["items"]] == request.ids,
        "statements": [statement_kind(s) for s, _ in request.statements],
        "plans": plans,
    }


HEADER = (
    f"{'case':<46} {'kind':<4} {'n':>3} | {'gw p50':>7} {'p95':>7} {'max':>7} | {'sql p95':>7} "
    f"{'page':>6} {'count':>6} | {'gw/sql':>6} | {'target':>6} | G | matches"
)
# G: PostgreSQL ran the page or count statement with a generic plan (prepared, parameters unknown to the planner).


def row(case: SearchCase) -> str:
    """One line of the results table."""
    r = case.results
    g, q, k = r["gateway"], r["sql"], r["sql_p50_by_kind"]
    m = r["matches"]
    matches = f"{m['all']:,}{'' if m['exact'] else '+'}"
    generic = "G" if any("GENERIC" in plan for plan in r["plans"].values()) else ""
    flags = ("" if r["same_rows"] else " ROWS DIFFER") + ("" if r["met"] else " MISSED")
    return (
        f"{case.label[:46]:<46} {'cmp' if case.kind == 'compound' else 'one':<4} {g['n']:>3} | "
        f"{g['p50']:7.2f} {g['p95']:7.2f} {g['max']:7.1f} | {q['p95']:7.2f} {k.get('page', 0):6.2f} "
        f"{k.get('count', 0):6.2f} | {r['ratio_p95']:5.1f}x | {case.target_ms:4.0f}ms | {generic:1} | "
        f"{matches}{flags}"
    )


def summary(cases: list[SearchCase]) -> dict[str, Any]:
    """Verdicts per kind, worst cases, gateway/SQL ratios."""
    out: dict[str, Any] = {}
    for kind, target in (("single", SINGLE_TARGET_MS), ("compound", COMPOUND_TARGET_MS)):
        mine = [c for c in cases if c.kind == kind]
        worst = max(mine, key=lambda c: c.results["gateway"]["p95"])
        out[kind] = {
            "cases": len(mine),
            "target_ms": target,
            "met": sum(c.results["met"] for c in mine),
            "worst_case": worst.label,
            "worst_p95_ms": worst.results["gateway"]["p95"],
            "missed": [c.label for c in mine if not c.results["met"]],
        }
    ratios = sorted(c.results["ratio_p95"] for c in cases)
    out["gw_over_sql_p95_median"] = ratios[len(ratios) // 2]
    out["rows_match"] = all(c.results["same_rows"] for c in cases)
    out["all_met"] = all(c.results["met"] for c in cases)
    return out


def run(*, requests: int = 50, warmup: int = 5, limit: int = 50, budget: float = 20.0) -> int:
    """Start the stack, measure every case, print the table and plans, write bench/results/search.json."""
    stale = bench_stale_reasons()
    if stale:
        raise SystemExit(
            f"the bench data cannot serve the search benchmark ({'; '.join(stale)}): "
            "run `python -m bench generate` (add --force to reload anyway)"
        )
    clients = bench_client_count()
    code = code_under_test()
    cases = asyncio.run(_cases())
    print(
        f"bench account {BENCH_ACCOUNT_ID}: {clients:,} clients; {len(cases)} searches, {requests} timed "
        f"requests each after {warmup} warm-up (at most ~{budget:.0f} s per case); limit {limit}",
        flush=True,
    )
    explain: dict[str, dict[str, str]] = {}
    started = time.perf_counter()
    with running_stack() as stack, asyncio.Runner() as runner:
        token = stack.keys.token(account_id=BENCH_ACCOUNT_ID, user=BENCH_USER)
        probe = runner.run(SearchProbe(url=DATABASE_URL, dsn=raw_dsn(), account_id=BENCH_ACCOUNT_ID).__aenter__())
        try:
            with httpx.Client(
                base_url=stack.gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=120
            ) as gw:
                for _ in range(20):  # warm the processes and the pools once
                    gw.get("/api/clients", params={"limit": limit}).raise_for_status()
                print(HEADER)
                gc.disable()  # keep the harness's own pauses out of the figures
                try:
                    for case in cases:
                        measure(gw, probe, runner, case, limit=limit, runs=requests, warmup=warmup, budget=budget)
                        print(row(case), flush=True)
                finally:
                    gc.enable()
            slowest = sorted(cases, key=lambda c: -c.results["gateway"]["p95"])[:EXPLAINED]
            for case in slowest:
                request = runner.run(probe.request(case.results["params"]))
                explain[case.label] = {
                    kind: runner.run(probe.explain_analyze(*statement))
                    for kind in ("page", "count")
                    for statement in request.of_kind(kind)
                }
        finally:
            runner.run(probe.__aexit__(None, None, None))
    result = summary(cases)
    seconds = round(time.perf_counter() - started, 1)
    print_report(cases, result, explain, clients or 0)
    print(f"  took {seconds:.0f} s")
    write_results(
        cases,
        result,
        explain,
        requests=requests,
        warmup=warmup,
        limit=limit,
        budget_seconds=budget,
        clients=clients,
        seconds=seconds,
        code_under_test=code,
    )
    return 0 if result["all_met"] and result["rows_match"] else 1


async def _cases() -> list[SearchCase]:
    conn = await asyncpg.connect(raw_dsn())
    try:
        return await build_cases(conn, BENCH_ACCOUNT_ID)
    finally:
        await conn.close()


def print_report(
    cases: list[SearchCase], result: dict[str, Any], explain: dict[str, dict[str, str]], clients: int
) -> None:
    """Plans of every case, EXPLAIN ANALYZE of the slowest, and the verdict."""
    print("\nPLANS (page query / count query)")
    for case in cases:
        plans = case.results["plans"]
        print(f"  {case.label[:60]}\n      page:  {plans.get('page', '-')}\n      count: {plans.get('count', '-')}")
    for label, texts in explain.items():
        for kind, text in texts.items():
            print(f"\nEXPLAIN (ANALYZE, BUFFERS) - {label}, {kind} query:\n{text}")
    print(f"\nSUMMARY ({clients:,} clients)")
    for kind in ("single", "compound"):
        r = result[kind]
        print(
            f"  {kind:<8} {r['met']}/{r['cases']} within {r['target_ms']:.0f} ms at p95; worst "
            f"{r['worst_p95_ms']:.1f} ms ({r['worst_case']})"
            + (f"; missed: {', '.join(r['missed'])}" if r["missed"] else "")
        )
    generic = [c.label for c in cases if any("GENERIC" in p for p in c.results["plans"].values())]
    print(f"  generic plans {len(generic)} of {len(cases)} cases ran a statement with a generic plan (G)")
    print(
        f"  gateway / bare SQL p95 median {result['gw_over_sql_p95_median']}x; rows "
        f"{'gateway pages == SQL pages' if result['rows_match'] else 'GATEWAY AND SQL PAGES DIFFER'}"
    )


def write_results(
    cases: list[SearchCase], result: dict[str, Any], explain: dict[str, dict[str, str]], **meta: Any
) -> None:
    """bench/results/search.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "client search through the gateway",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_after": os.getloadavg(),
        },
        "sql_method": "every statement of listing.service.list_clients for the request, captured with a SQLAlchemy "
        "event, replayed in order bare on asyncpg (prepared); timed as one sequence",
        **meta,
        "summary": result,
        "explain_analyze": explain,
        "cases": [asdict(c) for c in cases],
    }
    path = RESULTS_DIR / "search.json"
    path.write_text(json.dumps(document, indent=2, default=str))
    print(f"results written to {path}")
