"""Relayed outbox rows and inbox rows past their retention are deleted; pending and recent rows stay."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders.models import inbox, outbox
from services.orders.settings import OrdersSettings
from shared.db import create_engine, create_sessionmaker
from shared.retention import repository
from shared.retention.sweep import purge_old_events
from tests.conftest import isolated_database


@pytest.fixture(scope="module")
def retention_database() -> str:
    """A migrated orders database of its own: no relay of the session publishes the rows made here."""
    return isolated_database("orders", "retention")


async def _outbox_row(engine: AsyncEngine, *, created_days_ago: float, published_days_ago: float | None) -> uuid.UUID:
    row_id = uuid.uuid4()
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO outbox (id, account_id, routing_key, body, created_at, published_at) VALUES "
                "(:id, :account, 'order.placed', '{}', now() - make_interval(days => :created), "
                "CASE WHEN CAST(:published AS float) IS NULL THEN NULL "
                "ELSE now() - make_interval(secs => CAST(:published AS float) * 86400) END)"
            ),
            {"id": row_id, "account": uuid.uuid4(), "created": created_days_ago, "published": published_days_ago},
        )
    return row_id


async def _inbox_row(engine: AsyncEngine, *, processed_days_ago: float) -> uuid.UUID:
    event_id = uuid.uuid4()
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO inbox (consumer, event_id, processed_at) "
                "VALUES ('orders', :id, now() - make_interval(secs => :days * 86400))"
            ),
            {"id": event_id, "days": processed_days_ago},
        )
    return event_id


async def _ids(engine: AsyncEngine, query: str) -> set[uuid.UUID]:
    async with engine.connect() as connection:
        return set((await connection.execute(text(query))).scalars())


async def test_old_relayed_and_old_processed_rows_go_pending_and_recent_ones_stay(retention_database):
    engine = create_engine(retention_database, pool_size=2)
    settings = OrdersSettings(outbox_retention_hours=7 * 24, inbox_retention_hours=14 * 24)
    try:
        old_relayed = {await _outbox_row(engine, created_days_ago=9, published_days_ago=8) for _ in range(5)}
        stays = {
            await _outbox_row(engine, created_days_ago=30, published_days_ago=None),  # never relayed: must leave
            await _outbox_row(engine, created_days_ago=8, published_days_ago=6.9),  # relayed late: a week from then
            await _outbox_row(engine, created_days_ago=0, published_days_ago=0),
        }
        old_processed = {await _inbox_row(engine, processed_days_ago=days) for days in (14.1, 20, 400)}
        recent = {await _inbox_row(engine, processed_days_ago=days) for days in (13.9, 1, 0)}

        # Two rows per transaction: the sweep loops until a batch comes back short.
        deleted = await purge_old_events(
            sessions=create_sessionmaker(engine), tables=outbox.metadata.tables, settings=settings, batch=2
        )

        assert deleted == {"outbox": len(old_relayed), "inbox": len(old_processed)}
        assert await _ids(engine, "SELECT id FROM outbox") == stays
        assert await _ids(engine, "SELECT event_id FROM inbox") == recent
        again = await purge_old_events(
            sessions=create_sessionmaker(engine), tables=outbox.metadata.tables, settings=settings
        )
        assert again == {"outbox": 0, "inbox": 0}
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("deletion", "table", "index"),
    [
        (repository.relayed_events_deletion, outbox, "ix_outbox_published_at"),
        (repository.processed_events_deletion, inbox, "ix_inbox_processed_at"),
    ],
    ids=["outbox", "inbox"],
)
async def test_each_sweep_finds_its_rows_through_its_index(retention_database, deletion, table, index):
    """The sweep's DELETE can be served by the migration's index (the planner is only kept off the seq scan)."""
    statement = deletion(table, older_than=timedelta(days=7), limit=100).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    engine = create_engine(retention_database, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = list((await connection.execute(text(f"EXPLAIN {statement}"))).scalars())
    finally:
        await engine.dispose()
    assert any(index in line for line in plan), "\n".join(plan)


async def test_every_service_process_runs_the_sweep_on_its_own(retention_database):
    """The sweep is one of the app's background tasks: nothing but the running process deletes the old rows."""
    from services.orders.app import create_app
    from tests.conftest import running
    from tests.support import eventually

    engine = create_engine(retention_database, pool_size=1)
    try:
        old = await _outbox_row(engine, created_days_ago=40, published_days_ago=39)
        pending = await _outbox_row(engine, created_days_ago=40, published_days_ago=None)
        settings = OrdersSettings(
            database_url=retention_database, run_consumers=False, run_outbox_relay=False, retention_sweep_seconds=0.2
        )
        async with running(create_app(settings)):

            async def swept() -> bool:
                return old not in await _ids(engine, "SELECT id FROM outbox")

            await eventually(swept, timeout=15)
        assert pending in await _ids(engine, "SELECT id FROM outbox")
    finally:
        await engine.dispose()
