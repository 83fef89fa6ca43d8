"""Generator benchmark: loads N realistic clients into the bench account at COPY speed.

Measures how long a bulk load of the client base takes (rows/s for the COPY phase, seconds
for rebuilding the secondary indexes - list, search and the invoice/order tables' -, VACUUM
ANALYZE and in total). The account gets French persons and companies, categories, price grids,
tags on ~40 % of clients, contacts on ~20 %, phones written with spaces, dots or +33, and ~40 %
of invoiced clients whose read-model columns (orders, totals, last invoice) agree with the
client_invoices and client_orders rows loaded beside them. Every client carries the search keys
the service would compute (services.clients.search.keys, contacts included).

A database loaded by an older generator (empty search keys, no invoices or contacts) is
detected and reloaded; --force reloads in any case.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import asyncpg
from alembic.script import ScriptDirectory

from bench.config import BENCH_ACCOUNT_ID, BENCH_ACCOUNT_NAME, DATABASE_URL, RESULTS_DIR, raw_dsn, sync_url
from bench.indexes import BULK_TABLES, drop_indexes, ensure_indexes, missing_indexes
from bench.rows import CLIENT_COLUMNS, CONTACT_COLUMNS, INVOICE_COLUMNS, ORDER_COLUMNS, TAG_COLUMNS, Chunk, RowMaker
from services.clients.accounts.demo_data import CATEGORIES, TAGS
from services.clients.exports.lines import fill_lines_sql
from services.clients.models import Base
from shared.migrations import alembic_config, upgrade

CHUNK = 50_000
# Which columns each COPY fills, by table, in the order the chunk's tuples hold them.
COPIED = {
    "clients": CLIENT_COLUMNS,
    "client_tags": TAG_COLUMNS,
    "contacts": CONTACT_COLUMNS,
    "client_invoices": INVOICE_COLUMNS,
    "client_orders": ORDER_COLUMNS,
}
# Tables keyed by account that a reload empties too (filled by events, never by the generator).
ACCOUNT_TABLES = ("client_invoice_lines", "client_shipment_lines", "timeline_entries")


@dataclass
class LoadReport:
    """What a load did and how long each phase took."""

    clients: int
    skipped: bool = False
    stale: list[str] = field(default_factory=list)
    copy_seconds: float = 0.0
    index_seconds: float = 0.0
    vacuum_seconds: float = 0.0
    total_seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        """COPY throughput, clients per second."""
        return self.clients / self.copy_seconds if self.copy_seconds else 0.0


def check_columns() -> None:
    """Fail early if a loaded table gained a required column the generator does not fill."""
    for table, columns in COPIED.items():
        table_columns = {c.name: c for c in Base.metadata.tables[table].columns}
        unknown = set(columns) - set(table_columns)
        missing = [
            name
            for name, c in table_columns.items()
            if name not in columns and not c.nullable and c.server_default is None and c.identity is None
        ]
        if unknown or missing:
            raise SystemExit(f"bench.rows is out of date for {table}: unknown {sorted(unknown)}, unfilled {missing}")


async def ensure_account(conn: asyncpg.Connection) -> tuple[list[int], list[int], str]:
    """The bench account with its categories and tags; returns their ids and the accounting prefix."""
    await conn.execute(
        "INSERT INTO accounts (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        BENCH_ACCOUNT_ID,
        BENCH_ACCOUNT_NAME,
    )
    ids = []
    for table, names in (("categories", CATEGORIES), ("tags", TAGS)):
        await conn.executemany(
            f"INSERT INTO {table} (account_id, name) VALUES ($1, $2) ON CONFLICT (account_id, name) DO NOTHING",
            [(BENCH_ACCOUNT_ID, name) for name in names],
        )
        rows = await conn.fetch(f"SELECT id FROM {table} WHERE account_id = $1 ORDER BY id", BENCH_ACCOUNT_ID)
        ids.append([r["id"] for r in rows])
    prefix = await conn.fetchval("SELECT accounting_prefix FROM accounts WHERE id = $1", BENCH_ACCOUNT_ID)
    return ids[0], ids[1], prefix


async def stale_reasons(conn: asyncpg.Connection, clients: int) -> list[str]:
    """Why the bench account does not hold what the benchmarks need (empty when it does)."""
    present = await conn.fetchval("SELECT count(*) FROM clients WHERE account_id = $1", BENCH_ACCOUNT_ID)
    if present != clients:
        return [f"holds {present:,} clients, not {clients:,}"]
    reasons = []
    checks = {
        "clients without search keys (loaded before the search)": "SELECT EXISTS (SELECT 1 FROM clients WHERE account_id = $1 AND search_names = '')",
        "no client_invoices rows": "SELECT NOT EXISTS (SELECT 1 FROM client_invoices WHERE account_id = $1)",
        "no client_orders rows": "SELECT NOT EXISTS (SELECT 1 FROM client_orders WHERE account_id = $1)",
        "no contacts": "SELECT NOT EXISTS (SELECT 1 FROM contacts WHERE account_id = $1)",
        "phones all written alike": "SELECT NOT EXISTS (SELECT 1 FROM clients WHERE account_id = $1 "
        "AND phone LIKE '+33%')",
        "no price grids": "SELECT NOT EXISTS (SELECT 1 FROM clients WHERE account_id = $1 "
        "AND price_grid_id IS NOT NULL)",
    }
    for reason, query in checks.items():
        if await conn.fetchval(query, BENCH_ACCOUNT_ID):
            reasons.append(reason)
    return reasons


async def load(dsn: str, *, clients: int, force: bool) -> LoadReport:
    """Load ``clients`` clients into the bench account unless it already holds them as the benchmarks need."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        category_ids, tag_ids, prefix = await ensure_account(conn)
        stale = await stale_reasons(conn, clients)
        if not stale and not force:
            if await missing_indexes(conn):
                built = await ensure_indexes(dsn)
                print(f"rebuilt missing indexes: {', '.join(built)}")
                await conn.execute(f"VACUUM (ANALYZE) {', '.join(BULK_TABLES)}")
            report = LoadReport(clients=clients, skipped=True, counts=await _counts(conn))
            report.total_seconds = time.perf_counter() - started
            return report
        report = LoadReport(clients=clients, stale=stale)
        print(f"loading: {'; '.join(stale) if stale else '--force'}", flush=True)
        copy_started = time.perf_counter()
        async with conn.transaction():
            # replica: neither the per-row count trigger nor the foreign-key triggers fire.
            await conn.execute("SET LOCAL session_replication_role = replica; SET LOCAL synchronous_commit = off")
            await _clear(conn)
            await drop_indexes(conn)
            first_id = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM clients")
            maker = RowMaker(
                account_id=BENCH_ACCOUNT_ID,
                total=clients,
                first_id=first_id,
                category_ids=category_ids,
                tag_ids=tag_ids,
                prefix=prefix,
            )
            report.rows = await _copy(conn, maker, clients)
            await conn.execute("SELECT setval(pg_get_serial_sequence('clients', 'id'), (SELECT max(id) FROM clients))")
            # The row triggers are off (replica): the CSV export lines are computed in one statement.
            await conn.execute(fill_lines_sql(BENCH_ACCOUNT_ID))
            await conn.execute(
                """
                INSERT INTO account_client_counts AS c (account_id, clients, prospects)
                SELECT $1, count(*) FILTER (WHERE status = 'client'), count(*) FILTER (WHERE status = 'prospect')
                  FROM clients WHERE account_id = $1 AND deleted_at IS NULL
                ON CONFLICT (account_id) DO UPDATE SET clients = EXCLUDED.clients, prospects = EXCLUDED.prospects
            """,
                BENCH_ACCOUNT_ID,
            )
        report.copy_seconds = time.perf_counter() - copy_started
        print(
            f"copied {', '.join(f'{n:,} {t}' for t, n in report.rows.items())} in {report.copy_seconds:.1f} s "
            f"({report.rows_per_second:,.0f} clients/s); building the indexes...",
            flush=True,
        )
        phase = time.perf_counter()
        built = await ensure_indexes(dsn)
        report.index_seconds = time.perf_counter() - phase
        print(f"built {len(built)} indexes in {report.index_seconds:.1f} s; VACUUM ANALYZE...", flush=True)
        phase = time.perf_counter()
        # Sets hint bits and the visibility map now, so the benchmark does not pay for them.
        for table in BULK_TABLES:
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        await conn.execute("ANALYZE accounts; ANALYZE account_client_counts; ANALYZE categories; ANALYZE tags")
        # Flush the load's dirty pages now rather than during the benchmark that follows.
        await conn.execute("CHECKPOINT")
        report.vacuum_seconds = time.perf_counter() - phase
        report.counts = await _counts(conn)
        report.total_seconds = time.perf_counter() - started
        return report
    finally:
        await conn.close()


async def _clear(conn: asyncpg.Connection) -> None:
    """Remove the bench account's rows: TRUNCATE when it is the only account with clients."""
    others = await conn.fetchval("SELECT count(*) FROM clients WHERE account_id <> $1", BENCH_ACCOUNT_ID)
    if others == 0:
        await conn.execute(f"TRUNCATE {', '.join(BULK_TABLES + ACCOUNT_TABLES)}")
        return
    for table in ("client_tags", "contacts"):
        await conn.execute(
            f"DELETE FROM {table} t USING clients c WHERE c.id = t.client_id AND c.account_id = $1", BENCH_ACCOUNT_ID
        )
    for table in ("client_invoices", "client_orders", *ACCOUNT_TABLES, "clients"):
        await conn.execute(f"DELETE FROM {table} WHERE account_id = $1", BENCH_ACCOUNT_ID)


async def _copy(conn: asyncpg.Connection, maker: RowMaker, clients: int) -> dict[str, int]:
    """COPY the rows in chunks; the next chunk is generated in a thread while the server ingests."""
    loop = asyncio.get_running_loop()
    copied = dict.fromkeys(COPIED, 0)
    done = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = loop.run_in_executor(pool, maker.chunk, CHUNK)
        while done < clients:
            chunk: Chunk = await pending
            if done + len(chunk.clients) < clients:
                pending = loop.run_in_executor(pool, maker.chunk, CHUNK)
            for table, records in (
                ("clients", chunk.clients),
                ("client_tags", chunk.tags),
                ("contacts", chunk.contacts),
                ("client_invoices", chunk.invoices),
                ("client_orders", chunk.orders),
            ):
                await conn.copy_records_to_table(table, records=records, columns=COPIED[table])
                copied[table] += len(records)
            done += len(chunk.clients)
            if done % (CHUNK * 4) == 0 or done == clients:
                print(f"  {done:>10,} clients, {copied['client_invoices']:>10,} invoices", flush=True)
    return copied


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    row = await conn.fetchrow(
        "SELECT clients, prospects FROM account_client_counts WHERE account_id = $1", BENCH_ACCOUNT_ID
    )
    return {"clients": row["clients"], "prospects": row["prospects"]} if row else {}


async def _empty_if_behind(dsn: str, head: str | None) -> None:
    """Empty the bench tables of a database at an older revision: a migration's backfill of 1M rows
    would take minutes for data the generator replaces anyway."""
    try:
        conn = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        return
    try:
        current = await conn.fetchval("SELECT version_num FROM alembic_version")
    except asyncpg.UndefinedTableError:
        return
    try:
        if current != head and await conn.fetchval("SELECT EXISTS (SELECT 1 FROM clients)"):
            print(f"bench database at revision {current}, head is {head}: emptying it before migrating", flush=True)
            # CASCADE: tags and contacts go with their clients; the load clears the rest itself.
            await conn.execute("TRUNCATE clients CASCADE")
    finally:
        await conn.close()


def migrate() -> None:
    """Bring the bench database to the clients service's head revision (created if missing)."""
    config = alembic_config(service="clients", sync_url=sync_url(DATABASE_URL))
    asyncio.run(_empty_if_behind(raw_dsn(DATABASE_URL), ScriptDirectory.from_config(config).get_current_head()))
    upgrade(service="clients", sync_url=sync_url(DATABASE_URL))


def run(*, clients: int, force: bool = False) -> LoadReport:
    """Migrate the bench database, load it, print and save the figures."""
    check_columns()
    print(f"bench database: {DATABASE_URL.rsplit('@', 1)[-1]}; migrating...", flush=True)
    migrate()
    report = asyncio.run(load(raw_dsn(DATABASE_URL), clients=clients, force=force))
    if report.skipped:
        print(
            f"bench account {BENCH_ACCOUNT_ID} already holds {clients:,} clients with search keys, contacts, "
            f"invoices and orders: skipped (--force reloads); counts {report.counts}"
        )
        return report
    print(
        f"loaded {clients:,} clients in {report.total_seconds:.1f} s: COPY {report.copy_seconds:.1f} s "
        f"({report.rows_per_second:,.0f} clients/s), indexes {report.index_seconds:.1f} s, "
        f"VACUUM ANALYZE + CHECKPOINT {report.vacuum_seconds:.1f} s; counts {report.counts}"
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "generate.json").write_text(
        json.dumps(
            {**asdict(report), "rows_per_second": round(report.rows_per_second), "account_id": str(BENCH_ACCOUNT_ID)},
            indent=2,
        )
    )
    return report


def bench_client_count(dsn: str = raw_dsn(DATABASE_URL)) -> int | None:
    """How many clients the bench account holds, or None if the database does not exist yet."""

    async def count() -> int | None:
        try:
            conn = await asyncpg.connect(dsn)
        except asyncpg.InvalidCatalogNameError:
            return None
        try:
            return await conn.fetchval("SELECT count(*) FROM clients WHERE account_id = $1", BENCH_ACCOUNT_ID)
        except asyncpg.UndefinedTableError:
            return None
        finally:
            await conn.close()

    return asyncio.run(count())


def bench_stale_reasons(clients: int | None = None, dsn: str = raw_dsn(DATABASE_URL)) -> list[str]:
    """Why the bench account cannot serve the search benchmark ([] when it can)."""

    async def check() -> list[str]:
        try:
            conn = await asyncpg.connect(dsn)
        except asyncpg.InvalidCatalogNameError:
            return ["no bench database"]
        try:
            present = await conn.fetchval("SELECT count(*) FROM clients WHERE account_id = $1", BENCH_ACCOUNT_ID)
            return await stale_reasons(conn, clients or present) if present else ["the bench account is empty"]
        except (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError):
            return ["the bench database is not migrated"]
        finally:
            await conn.close()

    return asyncio.run(check())
