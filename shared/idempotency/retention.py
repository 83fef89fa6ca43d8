"""Keys are kept 24 hours: a loop in every service process deletes older ones."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import unit_of_work
from shared.idempotency import repository
from shared.idempotency.route import RETENTION

log = logging.getLogger(__name__)
SWEEP_SECONDS = 600.0
SWEEP_BATCH = 5_000


async def sweep_expired_keys(*, sessions: async_sessionmaker[AsyncSession], table: Table) -> int:
    """Delete every key older than the retention, one short transaction per batch; returns how many."""
    deleted = 0
    while True:
        async with unit_of_work(sessions) as session:
            batch = await repository.delete_expired(session, table, retention=RETENTION, limit=SWEEP_BATCH)
        deleted += batch
        if batch < SWEEP_BATCH:
            return deleted


async def sweep_forever(
    *, sessions: async_sessionmaker[AsyncSession], table: Table, interval: float = SWEEP_SECONDS
) -> None:
    """Sweep expired keys every ``interval`` seconds until cancelled; a failed sweep waits for the next."""
    while True:
        await asyncio.sleep(interval)
        try:
            if deleted := await sweep_expired_keys(sessions=sessions, table=table):
                log.info("idempotency keys expired", extra={"deleted": deleted})
        except Exception:
            log.warning("idempotency key sweep failed; next one in %s s", interval, exc_info=True)
