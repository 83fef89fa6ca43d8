"""Queries of the notification feed: its entries, written when reminders fire, and their reading."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.models import Notification


async def add_notifications(session: AsyncSession, *, rows: list[dict[str, Any]]) -> list[int]:
    """Insert feed entries; returns their ids in the order given."""
    if not rows:
        return []
    ids = await session.scalars(insert(Notification).returning(Notification.id, sort_by_parameter_order=True), rows)
    return list(ids)


async def list_notifications(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: str, unread: bool, limit: int
) -> list[Notification]:
    """A user's feed, newest first."""
    query = select(Notification).where(Notification.account_id == account_id, Notification.user_id == user_id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return list(await session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


async def mark_read(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: str, notification_id: int
) -> Notification | None:
    """Mark one of the user's notifications read (keeping the first reading time)."""
    return (
        await session.scalars(
            update(Notification)
            .where(
                Notification.account_id == account_id,
                Notification.user_id == user_id,
                Notification.id == notification_id,
            )
            .values(read_at=func.coalesce(Notification.read_at, func.now()))
            .returning(Notification),
            execution_options={"synchronize_session": False},
        )
    ).one_or_none()
