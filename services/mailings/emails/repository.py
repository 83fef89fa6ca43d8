"""Queries of e-mails: the request side (add, read, list), the sender's claims and outcomes, client moves."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.models import Email

# Typed loosely: the sender reads these rows by name, as Row[Any].
CLAIMED_COLUMNS: tuple[Any, ...] = (
    Email.id,
    Email.account_id,
    Email.client_id,
    Email.recipients,
    Email.subject,
    Email.body,
    Email.attempts,
    Email.created_at,
    Email.correlation_id,
    Email.user_id,
)
ERASED_ERROR = "(erased with the client's personal data)"


async def add_email(session: AsyncSession, email: Email) -> Email:
    """Insert an e-mail and load its id and defaults."""
    session.add(email)
    await session.flush()
    await session.refresh(email)
    return email


async def get_email(session: AsyncSession, *, account_id: uuid.UUID, email_id: int) -> Email | None:
    """An e-mail of the account to a client (those to users are not the client's correspondence)."""
    query = select(Email).where(Email.id == email_id, Email.account_id == account_id, Email.user_id.is_(None))
    return (await session.execute(query)).scalar_one_or_none()


async def list_emails(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int | None, before: int | None, limit: int
) -> list[Email]:
    """E-mails of the account to clients (to one client if given), newest first, older than ``before``."""
    query = select(Email).where(Email.account_id == account_id, Email.user_id.is_(None))
    if client_id is not None:
        query = query.where(Email.client_id == client_id)
    if before is not None:
        query = query.where(Email.id < before)
    return list((await session.execute(query.order_by(Email.id.desc()).limit(limit))).scalars())


async def claim_due(session: AsyncSession, *, limit: int, claim_seconds: float) -> list[Row[Any]]:
    """Claim queued e-mails that are due: count the attempt and hide them from other senders for a while.

    SKIP LOCKED lets several senders claim side by side without waiting on each other.
    """
    due = (
        select(Email.id)
        .where(Email.status == "queued", Email.next_attempt_at <= func.now())
        .order_by(Email.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.execute(
        update(Email)
        .where(Email.id.in_(due.scalar_subquery()))
        .values(attempts=Email.attempts + 1, next_attempt_at=func.now() + timedelta(seconds=claim_seconds))
        .returning(*CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    return list(claimed.all())


async def finish_attempt(
    session: AsyncSession, *, email_id: int, attempts: int, values: dict[str, Any]
) -> Email | None:
    """Record an attempt's outcome if the e-mail is still the one claimed; None if it moved on meanwhile.

    It moved on when the client was erased or deleted during the send, or when the claim expired
    and another sender took it (its outcome is the one that counts).
    """
    result = await session.execute(
        update(Email)
        .where(Email.id == email_id, Email.status == "queued", Email.attempts == attempts)
        .values(**values)
        .returning(Email)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


async def move_client_emails(
    session: AsyncSession, *, account_id: uuid.UUID, from_client_id: int, to_client_id: int
) -> int:
    """Re-point a merged client's e-mails at the kept client; returns how many moved."""
    result = await session.execute(
        update(Email)
        .where(Email.account_id == account_id, Email.client_id == from_client_id)
        .values(client_id=to_client_id)
    )
    return result.rowcount  # type: ignore[attr-defined]  # an UPDATE or DELETE returns a CursorResult


async def delete_client_emails(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> int:
    """Delete every e-mail of a client, queued ones included; returns how many went."""
    result = await session.execute(delete(Email).where(Email.account_id == account_id, Email.client_id == client_id))
    return result.rowcount  # type: ignore[attr-defined]  # an UPDATE or DELETE returns a CursorResult


async def erase_client_emails(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, reason: str) -> int:
    """Blank recipients, subject and body of a client's e-mails; queued ones are given up with the reason."""
    queued = Email.status == "queued"
    result = await session.execute(
        update(Email)
        .where(Email.account_id == account_id, Email.client_id == client_id)
        .values(
            recipients=[],
            subject="",
            body="",
            status=case((queued, "failed"), else_=Email.status),
            failed_at=case((queued, func.now()), else_=Email.failed_at),
            # An earlier error may quote a refused address: it goes too.
            last_error=case((queued, reason), (Email.last_error.is_(None), None), else_=ERASED_ERROR),
            next_attempt_at=None,
        )
    )
    return result.rowcount  # type: ignore[attr-defined]  # an UPDATE or DELETE returns a CursorResult
