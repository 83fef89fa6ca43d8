"""The secondary indexes of the bench tables: dropped before a bulk load, rebuilt after it from the models."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy import Index
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex

from services.clients.models import Base

# Tables the generator fills with COPY; their primary keys and unique constraints stay during the load.
BULK_TABLES = ("clients", "client_tags", "contacts", "client_invoices", "client_orders")
# Rough build cost, to hand the two sessions equal shares: trigram GIN indexes first, they take longest.
_COST = {"gin": 6, "client_invoices": 3, "client_orders": 3}


def _indexes() -> list[Index]:
    return [
        index
        for table in BULK_TABLES
        for index in sorted(Base.metadata.tables[table].indexes, key=lambda i: str(i.name))
    ]


def bulk_index_ddl() -> dict[str, str]:
    """CREATE INDEX statements of the bench tables' secondary indexes, compiled from the models' metadata."""
    dialect = postgresql.dialect()
    return {
        str(index.name): str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect)) for index in _indexes()
    }


def _cost(name: str, ddl: str) -> int:
    table = ddl.split(" ON ", 1)[1].split(" ", 1)[0]
    return _COST["gin"] * (2 if table != "clients" else 1) if "USING gin" in ddl else _COST.get(table, 1)


async def missing_indexes(conn: asyncpg.Connection) -> dict[str, str]:
    """The bench tables' indexes that the database lacks, by name."""
    existing = {
        r["indexname"]
        for r in await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY($1::text[])", list(BULK_TABLES)
        )
    }
    return {name: ddl for name, ddl in bulk_index_ddl().items() if name not in existing}


async def drop_indexes(conn: asyncpg.Connection) -> None:
    """Drop every secondary index of the bench tables (in the caller's transaction)."""
    for name in bulk_index_ddl():
        await conn.execute(f"DROP INDEX IF EXISTS {name}")


async def ensure_indexes(dsn: str, *, connections: int = 2) -> list[str]:
    """Create the missing indexes, spread over ``connections`` sessions; returns their names."""
    probe = await asyncpg.connect(dsn)
    try:
        missing = await missing_indexes(probe)
    finally:
        await probe.close()
    # Longest first, each to the least loaded session, so both finish at about the same time.
    shares: list[list[str]] = [[] for _ in range(connections)]
    loads = [0] * connections
    for name, ddl in sorted(missing.items(), key=lambda item: -_cost(*item)):
        least = loads.index(min(loads))
        shares[least].append(ddl)
        loads[least] += _cost(name, ddl)

    async def worker(share: list[str]) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            # One build per core: no parallel workers on top of our own sessions.
            await conn.execute("SET maintenance_work_mem = '512MB'; SET max_parallel_maintenance_workers = 0")
            for ddl in share:
                await conn.execute(ddl)
        finally:
            await conn.close()

    await asyncio.gather(*(worker(share) for share in shares if share))
    return list(missing)
