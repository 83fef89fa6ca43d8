"""Queries of firing: claiming the due, unfired reminders."""

from __future__ import annotations

from sqlalchemy import Update, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.models import Reminder


def claim_due_statement(limit: int) -> Update:
    """The claim as one statement (also what the benchmark EXPLAINs for the idle poll)."""
    due = (
        select(Reminder.id)
        .where(Reminder.fired_at.is_(None), Reminder.done_at.is_(None), Reminder.due_at <= func.now())
        .order_by(Reminder.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return update(Reminder).where(Reminder.id.in_(due.scalar_subquery())).values(fired_at=func.now())


async def claim_due(session: AsyncSession, *, limit: int) -> list[Reminder]:
    """Mark up to ``limit`` due reminders fired and return them, locked until the transaction ends.

    SKIP LOCKED lets several workers claim disjoint batches; the partial index on due_at
    holds only unfired pending rows, so an idle poll reads one index page.
    """
    claimed = await session.scalars(
        claim_due_statement(limit).returning(Reminder), execution_options={"synchronize_session": False}
    )
    return list(claimed)
