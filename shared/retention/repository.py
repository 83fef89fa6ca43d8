"""The queries of the retention sweep, and the indexes they read instead of the whole table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Index, Table, delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

OUTBOX_INDEX = "ix_outbox_published_at"
INBOX_INDEX = "ix_inbox_processed_at"


def retention_indexes(outbox: Table, inbox: Table) -> None:
    """Index the outbox by publication time (relayed rows only) and the inbox by processing time.

    A sweep then reads only the rows it deletes, oldest first, and a sweep with nothing to delete
    reads one index entry, however large the tables.
    """
    Index(OUTBOX_INDEX, outbox.c.published_at, postgresql_where=outbox.c.published_at.is_not(None))
    Index(INBOX_INDEX, inbox.c.processed_at)


def relayed_events_deletion(outbox: Table, *, older_than: timedelta, limit: int) -> Delete:
    """The DELETE of up to ``limit`` outbox rows published more than ``older_than`` ago, oldest first.

    A pending row (never published) is never deleted, however old. Rows a relay or an erasure holds
    are skipped, not waited for.
    """
    relayed = (
        select(outbox.c.id)
        .where(outbox.c.published_at.is_not(None), outbox.c.published_at < func.now() - older_than)
        .order_by(outbox.c.published_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return delete(outbox).where(outbox.c.id.in_(relayed))


def processed_events_deletion(inbox: Table, *, older_than: timedelta, limit: int) -> Delete:
    """The DELETE of up to ``limit`` inbox rows processed more than ``older_than`` ago, oldest first."""
    processed = (
        select(inbox.c.consumer, inbox.c.event_id)
        .where(inbox.c.processed_at < func.now() - older_than)
        .order_by(inbox.c.processed_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return delete(inbox).where(tuple_(inbox.c.consumer, inbox.c.event_id).in_(processed))


async def delete_relayed_events(session: AsyncSession, outbox: Table, *, older_than: timedelta, limit: int) -> int:
    """Delete up to ``limit`` relayed outbox rows past ``older_than``; returns how many went."""
    return _count(await session.execute(relayed_events_deletion(outbox, older_than=older_than, limit=limit)))


async def delete_processed_events(session: AsyncSession, inbox: Table, *, older_than: timedelta, limit: int) -> int:
    """Delete up to ``limit`` inbox rows past ``older_than``; returns how many went."""
    return _count(await session.execute(processed_events_deletion(inbox, older_than=older_than, limit=limit)))


def _count(result: Any) -> int:
    # A DELETE's result is a CursorResult, which session.execute's annotation does not say.
    return cast("CursorResult[Any]", result).rowcount
