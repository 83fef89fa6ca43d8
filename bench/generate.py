"""Generator benchmark: loads N realistic clients into the bench account at COPY speed.

Measures how long a bulk load of the client base takes (rows/s for the COPY phase, seconds
for rebuilding the 12 list indexes, VACUUM ANALYZE and in total). The account gets French
persons and companies, categories, tags on ~40 % of clients, and ~40 % of invoiced clients
whose read-model columns (orders, totals, last invoice) are filled as the invoice events would.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import asyncpg
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex

from bench.config import BENCH_ACCOUNT_ID, BENCH_ACCOUNT_NAME, DATABASE_URL, RESULTS_DIR, raw_dsn, sync_url
from bench.rows import CLIENT_COLUMNS, TAG_COLUMNS, RowMaker
from services.clients.demo_data import CATEGORIES, TAGS
from services.clients.models import Client
from shared.migrations import upgrade

CHUNK = 50_000
LIST_INDEX_PREFIXES = ("ix_clients_list_", "ix_clients_tab_")


@dataclass
class LoadReport:
    """What a load did and how long each phase took."""

    clients: int
    skipped: bool = False
    copy_seconds: float = 0.0
    index_seconds: float = 0.0
    vacuum_seconds: float = 0.0
    total_seconds: float = 0.0
    client_tags: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        """COPY throughput, clients per second."""
        return self.clients / self.copy_seconds if self.copy_seconds else 0.0


def list_index_ddl() -> dict[str, str]:
    """CREATE INDEX statements of the 12 list indexes, compiled from the models' metadata."""
    dialect = postgresql.dialect()
    return {
        index.name: str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect))
        for index in sorted(Client.__table__.indexes, key=lambda i: str(i.name))
        if str(index.name).startswith(LIST_INDEX_PREFIXES)
    }


def check_columns() -> None:
    """Fail early if the clients table gained a required column the generator does not fill."""
    table_columns = {c.name: c for c in Client.__table__.columns}
    unknown = set(CLIENT_COLUMNS) - set(table_columns)
    missing = [name for name, c in table_columns.items() if name not in CLIENT_COLUMNS
               and not c.nullable and c.server_default is None and c.identity is None]
    if unknown or missing:
        raise SystemExit(f"bench.rows is out of date: unknown {sorted(unknown)}, unfilled {missing}")


async def ensure_account(conn: asyncpg.Connection) -> tuple[list[int], list[int], str]:
    """The bench account with its categories and tags; returns their ids and the accounting prefix."""
    await conn.execute(
        "INSERT INTO accounts (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        BENCH_ACCOUNT_ID, BENCH_ACCOUNT_NAME)
    ids = []
    for table, names in (("categories", CATEGORIES), ("tags", TAGS)):
        await conn.executemany(
            f"INSERT INTO {table} (account_id, name) VALUES ($1, $2) ON CONFLICT (account_id, name) DO NOTHING",
            [(BENCH_ACCOUNT_ID, name) for name in names])
        rows = await conn.fetch(f"SELECT id FROM {table} WHERE account_id = $1 ORDER BY id", BENCH_ACCOUNT_ID)
        ids.append([r["id"] for r in rows])
    prefix = await conn.fetchval("SELECT accounting_prefix FROM accounts WHERE id = $1", BENCH_ACCOUNT_ID)
    return ids[0], ids[1], prefix


async def ensure_indexes(dsn: str, *, connections: int = 2) -> list[str]:
    """Create the missing list indexes, spread over ``connections`` sessions; returns their names."""
    probe = await asyncpg.connect(dsn)
    try:
        existing = {r["indexname"] for r in await probe.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'clients'")}
    finally:
        await probe.close()
    missing = [(name, ddl) for name, ddl in list_index_ddl().items() if name not in existing]

    async def worker(share: list[tuple[str, str]]) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            # One build per core: no parallel workers on top of our own sessions.
            await conn.execute("SET maintenance_work_mem = '512MB'; SET max_parallel_maintenance_workers = 0")
            for _, ddl in share:
                await conn.execute(ddl)
        finally:
            await conn.close()

    await asyncio.gather(*(worker(missing[i::connections]) for i in range(connections)))
    return [name for name, _ in missing]


async def load(dsn: str, *, clients: int, force: bool) -> LoadReport:
    """Load ``clients`` clients into the bench account unless it already holds exactly that many."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        category_ids, tag_ids, prefix = await ensure_account(conn)
        present = await conn.fetchval("SELECT count(*) FROM clients WHERE account_id = $1", BENCH_ACCOUNT_ID)
        if present == clients and not force:
            built = await ensure_indexes(dsn)
            if built:
                print(f"rebuilt missing indexes: {', '.join(built)}")
                await conn.execute("VACUUM (ANALYZE) clients")
            report = LoadReport(clients=clients, skipped=True, counts=await _counts(conn))
            report.total_seconds = time.perf_counter() - started
            return report
        report = LoadReport(clients=clients)
        copy_started = time.perf_counter()
        async with conn.transaction():
            # replica: neither the per-row count trigger nor the foreign-key triggers fire.
            await conn.execute("SET LOCAL session_replication_role = replica; SET LOCAL synchronous_commit = off")
            await _clear(conn)
            for name in list_index_ddl():
                await conn.execute(f"DROP INDEX IF EXISTS {name}")
            first_id = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM clients")
            maker = RowMaker(account_id=BENCH_ACCOUNT_ID, total=clients, first_id=first_id,
                             category_ids=category_ids, tag_ids=tag_ids, prefix=prefix)
            report.client_tags = await _copy(conn, maker, clients)
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('clients', 'id'), (SELECT max(id) FROM clients))")
            await conn.execute("""
                INSERT INTO account_client_counts AS c (account_id, clients, prospects)
                SELECT $1, count(*) FILTER (WHERE status = 'client'), count(*) FILTER (WHERE status = 'prospect')
                  FROM clients WHERE account_id = $1 AND deleted_at IS NULL
                ON CONFLICT (account_id) DO UPDATE SET clients = EXCLUDED.clients, prospects = EXCLUDED.prospects
            """, BENCH_ACCOUNT_ID)
        report.copy_seconds = time.perf_counter() - copy_started
        print(f"copied {clients:,} clients and {report.client_tags:,} tags in {report.copy_seconds:.1f} s "
              f"({report.rows_per_second:,.0f} clients/s); building the list indexes...", flush=True)
        phase = time.perf_counter()
        await ensure_indexes(dsn)
        report.index_seconds = time.perf_counter() - phase
        phase = time.perf_counter()
        # Sets hint bits and the visibility map now, so the benchmark does not pay for them.
        await conn.execute("VACUUM (ANALYZE) clients")
        await conn.execute("VACUUM (ANALYZE) client_tags")
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
    """Remove the bench account's clients: TRUNCATE when it is the only account with clients."""
    others = await conn.fetchval("SELECT count(*) FROM clients WHERE account_id <> $1", BENCH_ACCOUNT_ID)
    if others == 0:
        await conn.execute("TRUNCATE clients, client_tags, contacts")
    else:
        await conn.execute("DELETE FROM clients WHERE account_id = $1", BENCH_ACCOUNT_ID)


async def _copy(conn: asyncpg.Connection, maker: RowMaker, clients: int) -> int:
    """COPY the clients in chunks; the next chunk is generated in a thread while the server ingests."""
    loop = asyncio.get_running_loop()
    tags_copied = done = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = loop.run_in_executor(pool, maker.chunk, CHUNK)
        while done < clients:
            rows, tags = await pending
            if done + len(rows) < clients:
                pending = loop.run_in_executor(pool, maker.chunk, CHUNK)
            await conn.copy_records_to_table("clients", records=rows, columns=CLIENT_COLUMNS)
            await conn.copy_records_to_table("client_tags", records=tags, columns=TAG_COLUMNS)
            done += len(rows)
            tags_copied += len(tags)
            if done % (CHUNK * 4) == 0 or done == clients:
                print(f"  {done:>10,} clients", flush=True)
    return tags_copied


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    row = await conn.fetchrow(
        "SELECT clients, prospects FROM account_client_counts WHERE account_id = $1", BENCH_ACCOUNT_ID)
    return {"clients": row["clients"], "prospects": row["prospects"]} if row else {}


def run(*, clients: int, force: bool = False) -> LoadReport:
    """Migrate the bench database, load it, print and save the figures."""
    check_columns()
    print(f"bench database: {DATABASE_URL.rsplit('@', 1)[-1]}; migrating...", flush=True)
    upgrade(service="clients", sync_url=sync_url(DATABASE_URL))
    report = asyncio.run(load(raw_dsn(DATABASE_URL), clients=clients, force=force))
    if report.skipped:
        print(f"bench account {BENCH_ACCOUNT_ID} already holds {clients:,} clients: skipped "
              f"(--force reloads); counts {report.counts}")
        return report
    print(f"loaded {clients:,} clients in {report.total_seconds:.1f} s: COPY {report.copy_seconds:.1f} s "
          f"({report.rows_per_second:,.0f} rows/s), 12 list indexes {report.index_seconds:.1f} s, "
          f"VACUUM ANALYZE + CHECKPOINT {report.vacuum_seconds:.1f} s; counts {report.counts}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "generate.json").write_text(json.dumps(
        {**asdict(report), "rows_per_second": round(report.rows_per_second),
         "account_id": str(BENCH_ACCOUNT_ID)}, indent=2))
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
