"""Queries of sessions, refresh tokens and failed sign-ins."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import RefreshToken, Session, SignInFailure


async def add_session(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: uuid.UUID, expires_at: datetime
) -> Session:
    """Start a session (a family of refresh tokens)."""
    row = Session(id=uuid.uuid4(), account_id=account_id, user_id=user_id, expires_at=expires_at)
    session.add(row)
    await session.flush()
    return row


async def add_refresh_token(session: AsyncSession, *, session_id: uuid.UUID, token_hash: bytes) -> None:
    """Store the hash of a session's next refresh token."""
    session.add(RefreshToken(session_id=session_id, token_hash=token_hash))
    await session.flush()


async def refresh_token_for_update(session: AsyncSession, *, token_hash: bytes) -> RefreshToken | None:
    """A refresh token by hash, locked: two requests presenting it are served one after the other."""
    return (
        await session.execute(select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update())
    ).scalar_one_or_none()


async def session_for_update(session: AsyncSession, *, session_id: uuid.UUID) -> Session | None:
    """A session by id, locked for the transaction."""
    return await session.get(Session, session_id, with_for_update=True)


async def spend(session: AsyncSession, *, token_id: int, now: datetime) -> None:
    """Mark a refresh token used."""
    await session.execute(update(RefreshToken).where(RefreshToken.id == token_id).values(spent_at=now))


async def revoke_sessions(
    session: AsyncSession, *, where: ColumnElement[bool], reason: str, now: datetime
) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """Revoke the live sessions matching a condition; their (id, account, user)."""
    rows = await session.execute(
        update(Session)
        .where(where, Session.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .returning(Session.id, Session.account_id, Session.user_id)
    )
    return [(row.id, row.account_id, row.user_id) for row in rows]


def session_is(session_id: uuid.UUID) -> ColumnElement[bool]:
    """Condition: this session."""
    return Session.id == session_id


def sessions_of_user(user_id: uuid.UUID) -> ColumnElement[bool]:
    """Condition: every session of a user."""
    return Session.user_id == user_id


async def record_failure(session: AsyncSession, *, email_key: str, client_address: str) -> None:
    """Count a failed sign-in against its e-mail address and its client address."""
    session.add(SignInFailure(email_key=email_key, client_address=client_address))
    await session.flush()


async def limit_th_latest_failure(
    session: AsyncSession, *, column: str, value: str, since: datetime, limit: int
) -> datetime | None:
    """The time of the limit-th most recent failure since ``since`` by e-mail or client address; None if fewer."""
    key = getattr(SignInFailure, column)
    return (
        await session.execute(
            select(SignInFailure.at)
            .where(key == value, SignInFailure.at > since)
            .order_by(SignInFailure.at.desc())
            .offset(limit - 1)
            .limit(1)
        )
    ).scalar_one_or_none()


async def forget_failures(session: AsyncSession, *, email_key: str) -> None:
    """Clear an address's failures once its owner signed in."""
    await session.execute(delete(SignInFailure).where(SignInFailure.email_key == email_key))


async def forget_failures_before(session: AsyncSession, *, email_key: str, before: datetime) -> None:
    """Drop an address's failures too old to count (the table keeps only what a limit may need)."""
    await session.execute(delete(SignInFailure).where(SignInFailure.email_key == email_key, SignInFailure.at < before))
