"""The inbox: ids of the events a consumer already applied, written with the effect."""

from __future__ import annotations

import uuid

from sqlalchemy import Column, DateTime, MetaData, PrimaryKeyConstraint, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession


def define_inbox(metadata: MetaData) -> Table:
    """The inbox table in a service's metadata."""
    return Table(
        "inbox",
        metadata,
        Column("consumer", Text, nullable=False),
        Column("event_id", UUID(as_uuid=True), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id"),
    )


async def claim_event(session: AsyncSession, inbox: Table, *, consumer: str, event_id: uuid.UUID) -> bool:
    """Record the event as processed; False when it already was (a redelivery)."""
    result = await session.execute(
        insert(inbox).values(consumer=consumer, event_id=event_id).on_conflict_do_nothing().returning(inbox.c.event_id)
    )
    return result.first() is not None


async def claim_events(
    session: AsyncSession, inbox: Table, *, consumer: str, event_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Record many events as processed in one statement; returns those not seen before."""
    if not event_ids:
        return set()
    # executemany with one cached statement: a multi-row VALUES is recompiled for every batch size.
    result = await session.execute(
        insert(inbox).on_conflict_do_nothing().returning(inbox.c.event_id),
        [{"consumer": consumer, "event_id": event_id} for event_id in dict.fromkeys(event_ids)],
    )
    return set(result.scalars())
