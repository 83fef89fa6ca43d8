"""Queries of the client timeline: entries written by use cases and events, read by keyset."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, DateTime, Row, Table, and_, delete, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.clients.models import Client, TimelineEntry
from services.clients.timeline.domain import NewEntry, category_of


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A stored entry and the name parts of the other client it names, if any (None when it names none)."""

    entry: TimelineEntry
    about: Row[*tuple[Any, ...]] | None


async def add_entries(session: AsyncSession, entries: Sequence[NewEntry]) -> None:
    """Write entries; one already written for the same event and client is kept as it is."""
    if not entries:
        return
    # Core executemany on the table: one cached statement whatever the number of entries.
    table = cast(Table, TimelineEntry.__table__)
    await session.execute(
        insert(table).on_conflict_do_nothing(index_elements=[table.c.source_event_id, table.c.client_id]),
        [asdict(e) | {"category": category_of(e.kind)} for e in entries],
    )


async def move_object_entries(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    object_type: str,
    object_id: int,
    text: str,
    occurred_at: datetime,
) -> None:
    """Replace the text and date of a client's entries about one object (an edited note)."""
    await session.execute(
        update(TimelineEntry)
        .where(
            TimelineEntry.account_id == account_id,
            TimelineEntry.client_id == client_id,
            TimelineEntry.object_type == object_type,
            TimelineEntry.object_id == object_id,
        )
        .values(text=text, occurred_at=occurred_at)
    )


async def delete_object_entries(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    object_type: str,
    object_id: int,
) -> None:
    """Remove a client's entries about one object (a deleted note)."""
    await session.execute(
        delete(TimelineEntry).where(
            TimelineEntry.account_id == account_id,
            TimelineEntry.client_id == client_id,
            TimelineEntry.object_type == object_type,
            TimelineEntry.object_id == object_id,
        )
    )


async def rewrite_entries(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    kind: str,
    object_type: str,
    object_id: int,
    text: str,
    amount_cents: int | None,
) -> None:
    """Replace the text and amount of a client's entries of one kind about one object (facts learnt later)."""
    await session.execute(
        update(TimelineEntry)
        .where(
            TimelineEntry.account_id == account_id,
            TimelineEntry.client_id == client_id,
            TimelineEntry.kind == kind,
            TimelineEntry.object_type == object_type,
            TimelineEntry.object_id == object_id,
        )
        .values(text=text, amount_cents=amount_cents)
    )


async def timeline_page(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    after: tuple[datetime, int] | None,
    limit: int,
    categories: Sequence[str] = (),
) -> list[EntryRow]:
    """Up to ``limit + 1`` entries of a client, newest first, after a keyset position, of some categories.

    Each comes with the name parts of the client it names, read by primary key for the page's rows only.
    """
    other = aliased(Client)
    query = (
        select(TimelineEntry, other.kind, other.first_name, other.last_name, other.company_name)
        .outerjoin(other, and_(other.account_id == TimelineEntry.account_id, other.id == TimelineEntry.about_client_id))
        .where(TimelineEntry.account_id == account_id, TimelineEntry.client_id == client_id)
    )
    if categories:
        query = query.where(TimelineEntry.category.in_(categories))
    if after is not None:
        query = query.where(
            tuple_(TimelineEntry.occurred_at, TimelineEntry.id)
            < tuple_(literal(after[0], DateTime(timezone=True)), literal(after[1], BigInteger))
        )
    query = query.order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc()).limit(limit + 1)
    rows = (await session.execute(query)).all()
    return [EntryRow(row[0], row if row.kind is not None else None) for row in rows]
