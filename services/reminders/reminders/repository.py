"""Queries of reminders: one of the account's, its list in due order, deleting one."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.models import Reminder


async def get_reminder(
    session: AsyncSession, *, account_id: uuid.UUID, reminder_id: int, for_update: bool = False
) -> Reminder | None:
    """One reminder of the account, optionally locked."""
    query = select(Reminder).where(Reminder.account_id == account_id, Reminder.id == reminder_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def list_reminders(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    status: str | None,
    today: tuple[datetime, datetime],
    client_id: int | None,
    assigned_user: str | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Reminder]:
    """Reminders of the account in due order, filtered by status (local day bounds), client, assignee."""
    r = Reminder
    query = select(r).where(r.account_id == account_id)
    pending = r.done_at.is_(None)
    if status == "done":
        query = query.where(r.done_at.is_not(None))
    elif status == "overdue":
        query = query.where(pending, r.due_at < today[0])
    elif status == "due_today":
        query = query.where(pending, r.due_at >= today[0], r.due_at < today[1])
    elif status == "upcoming":
        query = query.where(pending, r.due_at >= today[1])
    if client_id is not None:
        query = query.where(r.client_id == client_id)
    if assigned_user is not None:
        query = query.where(r.assigned_user == assigned_user)
    if after is not None:
        query = query.where(or_(r.due_at > after[0], and_(r.due_at == after[0], r.id > after[1])))
    return list(await session.scalars(query.order_by(r.due_at, r.id).limit(limit)))


async def delete_reminder(session: AsyncSession, *, reminder: Reminder) -> None:
    """Delete a reminder; its notifications go with it."""
    await session.delete(reminder)
