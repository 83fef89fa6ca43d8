"""Queries of the audit trail: add a line, read a page of an account's lines."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import AuditEntry


async def add_entry(session: AsyncSession, **values: Any) -> None:
    """Append a line to the trail."""
    session.add(AuditEntry(**values))
    await session.flush()


async def page(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    user_id: uuid.UUID | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
    before: int | None,
    limit: int,
) -> list[AuditEntry]:
    """An account's lines matching the filters, newest first, older than the ``before`` id."""
    query = select(AuditEntry).where(AuditEntry.account_id == account_id)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return list((await session.execute(query.order_by(AuditEntry.id.desc()).limit(limit))).scalars())
