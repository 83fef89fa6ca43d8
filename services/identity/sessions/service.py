"""Use cases of sessions: sign in, refresh (rotating single-use refresh tokens), sign out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.audit.service import record
from services.identity.base import repository as base
from services.identity.base.domain import Actor, email_key
from services.identity.base.events import publish
from services.identity.base.limits import refuse_over_limits
from services.identity.keys.service import sign_access_token
from services.identity.models import User
from services.identity.passwords.service import password_matches
from services.identity.sessions import repository
from services.identity.sessions.domain import new_opaque_token, token_hash
from services.identity.settings import IdentitySettings
from shared.errors import Conflict, Unauthorized
from shared.events.identity import RevocationReason, TokenRevoked, TokenRevokedPayload


class WrongCredentials(Unauthorized):
    """The e-mail address and password do not open a session; which of them is wrong is not said."""


class RefreshRefused(Unauthorized):
    """The refresh token is unknown, spent, revoked or expired: sign in again."""


async def _check_limits(
    session: AsyncSession, *, settings: IdentitySettings, key: str, client_address: str, now: datetime
) -> None:
    await refuse_over_limits(
        session,
        attempts="failed sign-ins",
        nth_latest=repository.limit_th_latest_failure,
        window=timedelta(seconds=settings.sign_in_window_seconds),
        email_key=(key, settings.sign_in_failures_per_email),
        client_address=(client_address, settings.sign_in_failures_per_address),
        now=now,
    )


async def _usable(session: AsyncSession, user: User | None) -> bool:
    """Whether a user may hold a session: joined, active, in an open account."""
    if user is None or user.disabled_at is not None or user.joined_at is None:
        return False
    account = await base.get_account(session, account_id=user.account_id)
    return account is not None and account.closed_at is None


async def _tokens(
    session: AsyncSession, *, settings: IdentitySettings, user: User, session_id: uuid.UUID, expires_at: datetime
) -> dict[str, Any]:
    refresh_token = new_opaque_token()
    await repository.add_refresh_token(session, session_id=session_id, token_hash=token_hash(refresh_token))
    return {
        "access_token": await sign_access_token(session, settings=settings, user=user, session_id=session_id),
        "expires_in": settings.access_token_seconds,
        "refresh_token": refresh_token,
        "refresh_expires_in": max(0, int((expires_at - datetime.now(UTC)).total_seconds())),
        "user": {
            "id": user.id,
            "account_id": user.account_id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "language": user.language,
        },
    }


async def sign_in(
    session: AsyncSession, *, settings: IdentitySettings, email: str, password: str, client_address: str
) -> dict[str, Any]:
    """Open a session for an e-mail address and password; a failure is recorded, then WrongCredentials raised.

    An unknown address costs the same argon2 check as a known one (against a dummy hash), so the
    answer and its time do not tell which addresses have an account.
    """
    key, now = email_key(email), datetime.now(UTC)
    await _check_limits(session, settings=settings, key=key, client_address=client_address, now=now)
    user = await base.user_by_email_key(session, email_key=key)
    usable = await _usable(session, user)
    matches = await password_matches(
        session, settings=settings, user_id=user.id if user is not None and usable else None, password=password
    )
    if user is None or not (usable and matches):
        await repository.record_failure(session, email_key=key, client_address=client_address)
        await repository.forget_failures_before(
            session, email_key=key, before=now - timedelta(seconds=settings.sign_in_window_seconds)
        )
        if user is not None:
            # Only a known address has an account whose owners may read about it; nobody signed in.
            await record(
                session,
                account_id=user.account_id,
                actor=Actor(client_address=client_address),
                action="session.sign_in_failed",
                target=f"user:{user.id}",
            )
        raise WrongCredentials("Wrong e-mail address or password.")
    await repository.forget_failures(session, email_key=key)
    expires_at = now + timedelta(seconds=settings.refresh_token_seconds)
    started = await repository.add_session(session, account_id=user.account_id, user_id=user.id, expires_at=expires_at)
    await record(
        session,
        account_id=user.account_id,
        actor=Actor(user_id=user.id, role=user.role, client_address=client_address),
        action="session.signed_in",
        target=f"session:{started.id}",
    )
    return await _tokens(session, settings=settings, user=user, session_id=started.id, expires_at=expires_at)


async def _revoke(
    session: AsyncSession, *, where: ColumnElement[bool], reason: RevocationReason, now: datetime
) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    revoked = await repository.revoke_sessions(session, where=where, reason=reason, now=now)
    for revoked_id, account_id, user_id in revoked:
        await publish(
            session,
            TokenRevoked,
            account_id=account_id,
            payload=TokenRevokedPayload(session_id=revoked_id, user_id=user_id, reason=reason, revoked_at=now),
        )
    return revoked


async def refresh(session: AsyncSession, *, settings: IdentitySettings, refresh_token: str) -> dict[str, Any]:
    """Spend a refresh token for new tokens of the same session.

    A spent token presented again revokes its whole session (someone else may hold a copy) and is
    refused with RefreshRefused, unless it was spent moments ago (two tabs refreshing at once): that
    one is a 409 and the session, refreshed by the first tab, stays valid.
    """
    now = datetime.now(UTC)
    token = await repository.refresh_token_for_update(session, token_hash=token_hash(refresh_token))
    if token is None:
        raise RefreshRefused("Unknown refresh token: sign in again.")
    family = await repository.session_for_update(session, session_id=token.session_id)
    if family is None or family.revoked_at is not None or family.expires_at <= now:
        raise RefreshRefused("This session has ended: sign in again.")
    if token.spent_at is not None:
        if now - token.spent_at <= timedelta(seconds=settings.refresh_reuse_grace_seconds):
            raise Conflict("This refresh token was used by another request a moment ago; use the tokens it received.")
        await _revoke(session, where=repository.session_is(family.id), reason="refresh_token_reused", now=now)
        raise RefreshRefused("This refresh token was already used: the session is revoked, sign in again.")
    user = await base.get_user(session, user_id=family.user_id)
    if user is None or not await _usable(session, user):
        raise RefreshRefused("This user can no longer sign in.")
    await repository.spend(session, token_id=token.id, now=now)
    return await _tokens(session, settings=settings, user=user, session_id=family.id, expires_at=family.expires_at)


async def sign_out(session: AsyncSession, *, refresh_token: str, client_address: str) -> None:
    """End the session a refresh token belongs to (nothing happens for an unknown or ended one)."""
    token = await repository.refresh_token_for_update(session, token_hash=token_hash(refresh_token))
    if token is None:
        return
    ended = await _revoke(
        session, where=repository.session_is(token.session_id), reason="signed_out", now=datetime.now(UTC)
    )
    for session_id, account_id, user_id in ended:
        user = await base.get_user(session, user_id=user_id)
        role = user.role if user is not None else None
        await record(
            session,
            account_id=account_id,
            actor=Actor(user_id=user_id, role=role, client_address=client_address),
            action="session.signed_out",
            target=f"session:{session_id}",
        )


async def revoke_user_sessions(session: AsyncSession, *, user_id: uuid.UUID, reason: RevocationReason) -> None:
    """End every session of a user (they were disabled), announcing each."""
    await _revoke(session, where=repository.sessions_of_user(user_id), reason=reason, now=datetime.now(UTC))
