"""The retention loop every service process runs: old relayed outbox rows and old inbox rows go.

Why the inbox keeps its rows longer than the outbox is told in docs/architecture.md ("Retention").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import unit_of_work
from shared.retention import repository
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)
# Rows per transaction: each batch holds its row locks for a few milliseconds only.
BATCH = 2_000

Purge = Callable[[AsyncSession, Table], Awaitable[int]]


async def _purge(sessions: async_sessionmaker[AsyncSession], table: Table, purge: Purge, *, batch: int) -> int:
    deleted = 0
    while True:
        async with unit_of_work(sessions) as session:
            went = await purge(session, table)
        deleted += went
        if went < batch:
            return deleted


async def purge_old_events(
    *,
    sessions: async_sessionmaker[AsyncSession],
    tables: Mapping[str, Table],
    settings: ServiceSettings,
    batch: int = BATCH,
) -> dict[str, int]:
    """Delete the relayed outbox rows and the inbox rows past their retention, batch by batch; returns the counts."""
    outbox_age = timedelta(hours=settings.outbox_retention_hours)
    inbox_age = timedelta(hours=settings.inbox_retention_hours)

    async def relayed(session: AsyncSession, table: Table) -> int:
        return await repository.delete_relayed_events(session, table, older_than=outbox_age, limit=batch)

    async def processed(session: AsyncSession, table: Table) -> int:
        return await repository.delete_processed_events(session, table, older_than=inbox_age, limit=batch)

    return {
        "outbox": await _purge(sessions, tables["outbox"], relayed, batch=batch),
        "inbox": await _purge(sessions, tables["inbox"], processed, batch=batch),
    }


async def purge_forever(
    *, sessions: async_sessionmaker[AsyncSession], tables: Mapping[str, Table], settings: ServiceSettings
) -> None:
    """Purge every ``retention_sweep_seconds`` until cancelled; a failed sweep waits for the next one."""
    while True:
        await asyncio.sleep(settings.retention_sweep_seconds)
        try:
            deleted = await purge_old_events(sessions=sessions, tables=tables, settings=settings)
            if any(deleted.values()):
                log.info("old outbox and inbox rows deleted", extra=deleted)
        except Exception:
            log.warning("retention sweep failed; next one in %s s", settings.retention_sweep_seconds, exc_info=True)
