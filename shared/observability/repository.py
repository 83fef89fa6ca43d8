"""The queries behind the backlog gauges, cheap enough to run at every scrape.

Each reads a partial index of the waiting rows only (outbox: ``ix_outbox_pending``; jobs and e-mails:
their queue's partial index), and counts at most ``cap`` rows, so a huge backlog costs a bounded
scan and shows as the cap: the alert fires either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, FromClause, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

CAP = 100_000


@dataclass(frozen=True)
class Backlog:
    """How many rows wait (up to the cap) and the age in seconds of the oldest one (0 when none)."""

    waiting: int
    oldest_age_seconds: float


async def outbox_backlog(session: AsyncSession, outbox: Table, *, cap: int = CAP) -> Backlog:
    """Unpublished outbox rows, and the age of the first one in publishing order."""
    pending = outbox.c.published_at.is_(None)
    waiting = select(outbox.c.position).where(pending).limit(cap).subquery()
    count = await session.scalar(select(func.count()).select_from(waiting))
    age = await session.scalar(
        select(func.extract("epoch", func.now() - outbox.c.created_at))
        .where(pending)
        .order_by(outbox.c.position)
        .limit(1)
    )
    return Backlog(waiting=int(count or 0), oldest_age_seconds=max(float(age or 0), 0.0))


async def queue_backlog(
    session: AsyncSession, table: FromClause, *, waiting: ColumnElement[bool], since: str, cap: int = CAP
) -> Backlog:
    """Rows of a job table that match ``waiting``, and the age of the oldest by its ``since`` column."""
    rows = select(table.c[since].label("since")).where(waiting).limit(cap).subquery()
    count, oldest = (
        await session.execute(select(func.count(), func.extract("epoch", func.now() - func.min(rows.c.since))))
    ).one()
    return Backlog(waiting=int(count or 0), oldest_age_seconds=max(float(oldest or 0), 0.0))
