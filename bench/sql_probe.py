"""The database side of the list and search benchmarks: the service's own queries, timed bare, and their plans."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Self

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.list_order import Ordering
from services.clients.listing import service as list_service
from services.clients.listing.repository import Cursor, list_page
from services.clients.search.params import SearchParams
from shared.auth import Principal
from shared.db import create_engine

Statement = tuple[str, tuple[Any, ...]]


@dataclass(frozen=True)
class Page:
    """One page request: tab, sort, direction, optional cursor (as the API returns it) and size."""

    tab: str
    sort: str
    direction: str
    cursor: str | None
    limit: int

    def list_cursor(self) -> Cursor | None:
        """The decoded cursor, as list_service hands it to list_page."""
        return Cursor.decode(self.cursor, sort=self.sort, direction=self.direction) if self.cursor else None


class SqlProbe:
    """Runs list_page through an AsyncSession, and the exact SQL it sends through a bare asyncpg connection."""

    def __init__(self, *, url: str, dsn: str, account_id: uuid.UUID) -> None:
        self.url, self.dsn, self.account_id = url, dsn, account_id
        self.captured: list[tuple[str, tuple[Any, ...]]] = []

    async def __aenter__(self) -> Self:
        # Same engine settings as the service (shared.db.create_engine: jit off, pre-ping, pool).
        self.engine = create_engine(self.url, pool_size=1)
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._capture)
        self.conn = await asyncpg.connect(self.dsn, server_settings={"jit": "off"})
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.conn.close()
        await self.engine.dispose()

    def _capture(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        self.captured.append((statement, tuple(parameters or ())))

    async def orm_page(self, page: Page) -> list[Any]:
        """list_page in its own session (checkout, BEGIN, query, ROLLBACK), as a request would."""
        async with AsyncSession(self.engine) as session:
            # The ignores: a Page holds the sort, direction and tab as plain strings, all taken from the API's own.
            ordering = Ordering(sort=page.sort, direction=page.direction)  # type: ignore[arg-type]
            rows, _ = await list_page(
                session,
                account_id=self.account_id,
                tab=page.tab,  # type: ignore[arg-type]
                ordering=ordering,
                cursor=page.list_cursor(),
                limit=page.limit,
            )
        return rows

    async def statement_of(self, page: Page) -> tuple[str, tuple[Any, ...], list[int]]:
        """The SQL text and parameters list_page sends for this page, and the ids it returns."""
        self.captured.clear()
        rows = await self.orm_page(page)
        selects = [c for c in self.captured if c[0].lstrip().upper().startswith("SELECT CLIENTS.")]
        if len(selects) != 1:
            raise RuntimeError(f"expected one list query, captured {[c[0][:60] for c in self.captured]}")
        return selects[0][0], selects[0][1], [row.id for row in rows]

    async def time_orm(self, page: Page, *, runs: int, warmup: int) -> list[float]:
        """Milliseconds of list_page through an AsyncSession, ``runs`` times after ``warmup``."""
        samples = []
        for i in range(warmup + runs):
            started = time.perf_counter_ns()
            await self.orm_page(page)
            if i >= warmup:
                samples.append((time.perf_counter_ns() - started) / 1e6)
        return samples

    async def time_sql(self, statement: str, params: tuple[Any, ...], *, runs: int, warmup: int) -> list[float]:
        """Milliseconds of the bare statement on asyncpg (prepared and cached, as the service's driver does)."""
        samples = []
        for i in range(warmup + runs):
            started = time.perf_counter_ns()
            await self.conn.fetch(statement, *params)
            if i >= warmup:
                samples.append((time.perf_counter_ns() - started) / 1e6)
        return samples

    async def plan(self, statement: str, params: tuple[Any, ...]) -> dict[str, Any]:
        """Plan shape: scan nodes with their index, index condition and filter, and whether it sorts."""
        text = await self.conn.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *params)
        nodes: list[dict[str, Any]] = []

        def walk(node: dict[str, Any]) -> None:
            nodes.append(node)
            for child in node.get("Plans", []):
                walk(child)

        walk(json.loads(text)[0]["Plan"])
        scans = [
            {
                "node": n["Node Type"],
                "index": n.get("Index Name"),
                "direction": n.get("Scan Direction"),
                "index_cond": n.get("Index Cond"),
                "filter": n.get("Filter"),
            }
            for n in nodes
            if "Scan" in n["Node Type"]
        ]
        sorts = any(n["Node Type"] in ("Sort", "Incremental Sort") for n in nodes)
        ok = (
            not sorts
            and len(scans) == 1
            and scans[0]["node"] == "Index Scan"
            and str(scans[0]["index"]).startswith("ix_clients_")
            and not scans[0]["filter"]
        )
        return {"ok": ok, "sort_node": sorts, "scans": scans, "nodes": [n["Node Type"] for n in nodes]}

    async def explain_analyze(self, statement: str, params: tuple[Any, ...]) -> str:
        """EXPLAIN (ANALYZE, BUFFERS) text of the statement with its parameters."""
        rows = await self.conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *params)
        return "\n".join(r[0] for r in rows)


def statement_kind(statement: str) -> str:
    """What one statement of a list request does: account, labels, settings, page, or count (the capped count
    of the matches, or the unordered first matches a search fetches to count them)."""
    head = " ".join(statement.split())[:80].lower()
    if head.startswith(("select count(*) filter", "select clients.id, clients.status from")):
        return "count"
    if head.startswith("select clients.id"):
        return "page"
    if head.startswith("select accounts."):
        return "account"
    if head.startswith(("select categories.", "select tags.")):
        return "labels"
    if head.startswith("set "):
        return "settings"
    return "other"


@dataclass
class Request:
    """Every statement one GET /api/clients sent, in order, and what it answered."""

    statements: list[Statement]
    ids: list[int]
    counts: dict[str, Any]
    next_cursor: str | None

    def of_kind(self, kind: str) -> list[Statement]:
        """The statements of one kind (see ``statement_kind``)."""
        return [s for s in self.statements if statement_kind(s[0]) == kind]


class SearchProbe(SqlProbe):
    """The SQL of a whole list or search request (list_service.list_clients), captured and replayed bare."""

    async def request(self, params: dict[str, Any], *, user_id: str = "bench") -> Request:
        """Run list_clients as the route would for these query parameters, capturing every statement."""
        search = SearchParams.model_validate(
            {k: v for k, v in params.items() if k not in {"tab", "sort", "direction", "cursor", "limit"}}
        )
        self.captured.clear()
        async with AsyncSession(self.engine) as session:
            page = await list_service.list_clients(
                session,
                principal=Principal(account_id=self.account_id, user_id=user_id),
                tab=params.get("tab", "all"),
                sort=params.get("sort"),
                direction=params.get("direction", "asc"),
                cursor=params.get("cursor"),
                limit=params.get("limit", 50),
                search=search,
            )
        return Request(list(self.captured), [item["id"] for item in page["items"]], page["counts"], page["next_cursor"])

    async def time_request(
        self, statements: list[Statement], *, runs: int, warmup: int, budget: float
    ) -> tuple[list[float], dict[str, list[float]]]:
        """Milliseconds of the statements run in one transaction bare on asyncpg, in total and by kind.

        Stops early once ``budget`` seconds are spent (at least 5 timed runs), so a slow query
        cannot hold the benchmark for minutes.
        """
        totals: list[float] = []
        by_kind: dict[str, list[float]] = {}
        deadline = time.monotonic() + budget
        for i in range(warmup + runs):
            spent: dict[str, float] = {}
            # One transaction, as the request's: a SET LOCAL the service sends holds for the statements after it.
            async with self.conn.transaction():
                for statement, params in statements:
                    started = time.perf_counter_ns()
                    await self.conn.fetch(statement, *params)
                    kind = statement_kind(statement)
                    spent[kind] = spent.get(kind, 0.0) + (time.perf_counter_ns() - started) / 1e6
            if i >= warmup:
                totals.append(sum(spent.values()))
                for kind, ms in spent.items():
                    by_kind.setdefault(kind, []).append(ms)
                if len(totals) >= 5 and time.monotonic() > deadline:
                    break
        return totals, by_kind

    async def plan_outline(self, statement: str, params: tuple[Any, ...]) -> str:
        """A one-line plan: its scan nodes with their index, e.g. 'Limit > Index Scan ix_clients_list_first_name'."""
        text = await self.conn.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *params)
        parts: list[str] = []

        def walk(node: dict[str, Any]) -> None:
            kind = node["Node Type"]
            if "Scan" in kind:
                short = (
                    kind.replace("Index Only Scan", "IOS")
                    .replace("Bitmap Index Scan", "BIS")
                    .replace("Bitmap Heap Scan", "BHS")
                    .replace("Index Scan", "IS")
                    .replace("Seq Scan", "Seq")
                )
                parts.append(f"{short} {node.get('Index Name') or node.get('Relation Name')}".strip())
            elif kind in (
                "Sort",
                "Incremental Sort",
                "Hash Join",
                "Nested Loop",
                "Merge Join",
                "BitmapAnd",
                "BitmapOr",
                "Gather",
                "Gather Merge",
            ):
                parts.append(kind)
            for child in node.get("Plans", []):
                walk(child)

        walk(json.loads(text)[0]["Plan"])
        return " > ".join(parts)

    async def plan_modes(self) -> dict[str, tuple[int, int]]:
        """(generic, custom) plan counts of the statements this session prepared, by statement text."""
        rows = await self.conn.fetch("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {r["statement"]: (r["generic_plans"], r["custom_plans"]) for r in rows}
