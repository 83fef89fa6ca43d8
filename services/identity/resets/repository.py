"""Queries of password resets and of the requests for them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import PasswordReset, PasswordResetRequest


async def add_reset(session: AsyncSession, *, user_id: uuid.UUID, token_hash: bytes, expires_at: datetime) -> None:
    """Store a reset link (its token's hash only)."""
    session.add(PasswordReset(id=uuid.uuid4(), user_id=user_id, token_hash=token_hash, expires_at=expires_at))
    await session.flush()


async def reset_for_update(session: AsyncSession, *, token_hash: bytes) -> PasswordReset | None:
    """A reset by its token's hash, locked: it is used once even when sent twice at once."""
    return (
        await session.execute(select(PasswordReset).where(PasswordReset.token_hash == token_hash).with_for_update())
    ).scalar_one_or_none()


async def use_resets_of_user(session: AsyncSession, *, user_id: uuid.UUID, now: datetime) -> None:
    """Mark every unused reset of a user used: once a password is chosen, older links stop working."""
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )


async def record_request(session: AsyncSession, *, email_key: str, client_address: str) -> None:
    """Count a reset request against its e-mail address and its client address."""
    session.add(PasswordResetRequest(email_key=email_key, client_address=client_address))
    await session.flush()


async def limit_th_latest_request(
    session: AsyncSession, *, column: str, value: str, since: datetime, limit: int
) -> datetime | None:
    """The time of the limit-th most recent request since ``since`` by e-mail or client address; None if fewer."""
    key = getattr(PasswordResetRequest, column)
    return (
        await session.execute(
            select(PasswordResetRequest.at)
            .where(key == value, PasswordResetRequest.at > since)
            .order_by(PasswordResetRequest.at.desc())
            .offset(limit - 1)
            .limit(1)
        )
    ).scalar_one_or_none()


async def forget_requests_before(session: AsyncSession, *, email_key: str, before: datetime) -> None:
    """Drop an address's requests too old to count (the table keeps only what a limit may need)."""
    await session.execute(
        delete(PasswordResetRequest).where(
            PasswordResetRequest.email_key == email_key, PasswordResetRequest.at < before
        )
    )
