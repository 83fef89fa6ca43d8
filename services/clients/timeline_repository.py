"""Queries of the client timeline (F10): entries written by use cases and events, read by keyset."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import TimelineEntry


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A timeline entry to write; ``source_event_id`` makes a redelivered event add nothing."""

    account_id: uuid.UUID
    client_id: int
    occurred_at: datetime
    kind: str
    text: str
    object_type: str
    object_id: int | None
    amount_cents: int | None
    source_event_id: uuid.UUID | None


async def add_entries(session: AsyncSession, entries: Sequence[NewEntry]) -> None:
    """Write entries; one already written for the same event and client is kept as it is."""
    if not entries:
        return
    table = TimelineEntry.__table__
    await session.execute(
        insert(table).on_conflict_do_nothing(index_elements=[table.c.source_event_id, table.c.client_id]),
        [asdict(e) for e in entries],
    )


async def rewrite_entries(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, kind: str, object_type: str,
    object_id: int, text: str, amount_cents: int | None,
) -> None:
    """Replace the text and amount of a client's entries of one kind about one object (facts learnt later)."""
    await session.execute(
        update(TimelineEntry)
        .where(TimelineEntry.account_id == account_id, TimelineEntry.client_id == client_id,
               TimelineEntry.kind == kind,
               TimelineEntry.object_type == object_type, TimelineEntry.object_id == object_id)
        .values(text=text, amount_cents=amount_cents)
    )


async def timeline_page(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, after: tuple[datetime, int] | None,
    limit: int,
) -> list[TimelineEntry]:
    """Up to ``limit + 1`` entries of a client, newest first, after a keyset position."""
    query = select(TimelineEntry).where(TimelineEntry.account_id == account_id,
                                        TimelineEntry.client_id == client_id)
    if after is not None:
        query = query.where(tuple_(TimelineEntry.occurred_at, TimelineEntry.id)
                            < tuple_(literal(after[0], DateTime(timezone=True)), literal(after[1], BigInteger)))
    query = query.order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc()).limit(limit + 1)
    return list((await session.execute(query)).scalars())
