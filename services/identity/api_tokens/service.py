"""Use cases of API tokens: issue one (shown once), list, revoke; revoke a user's when they lose the right."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.api_tokens import repository
from services.identity.audit.service import record
from services.identity.base import repository as base
from services.identity.base.domain import COMMAND_LINE, ROLES, Actor, email_key, rank
from services.identity.base.events import publish
from services.identity.keys.service import sign_api_token
from services.identity.models import ApiToken, User
from services.identity.sessions.domain import token_hash
from services.identity.settings import IdentitySettings
from shared.errors import Gone, InvalidField, NotFound
from shared.events.identity import RevocationReason, TokenRevoked, TokenRevokedPayload


def token_view(token: ApiToken, *, now: datetime | None = None) -> dict[str, Any]:
    """An API token as the API lists it."""
    now = now or datetime.now(UTC)
    return {
        "id": token.id,
        "name": token.name,
        "role": token.role,
        "user_id": token.user_id,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "active": token.revoked_at is None and token.expires_at > now,
    }


def expiry(*, settings: IdentitySettings, expires_at: datetime | None, ttl_days: int | None, now: datetime) -> datetime:
    """When a new token expires: a given date or days from now, within the allowed year; 422 naming the field."""
    if (expires_at is None) == (ttl_days is None):
        raise InvalidField("expires_at", "give either expires_at or ttl_days, not both and not neither")
    longest = now + timedelta(days=settings.api_token_max_days)
    if ttl_days is not None:
        if ttl_days > settings.api_token_max_days:
            raise InvalidField("ttl_days", f"must be at most {settings.api_token_max_days} days")
        return now + timedelta(days=ttl_days)
    assert expires_at is not None  # one of them is set (checked above)
    if expires_at <= now:
        raise InvalidField("expires_at", "must be in the future")
    if expires_at > longest:
        raise InvalidField("expires_at", f"must be at most {settings.api_token_max_days} days from now")
    return expires_at.astimezone(UTC)


async def issue_api_token(
    session: AsyncSession,
    *,
    settings: IdentitySettings,
    creator: User,
    creator_role: str,
    name: str,
    role: str,
    expires_at: datetime,
    actor: Actor,
) -> dict[str, Any]:
    """Make an API token acting as its creator with a role no higher than theirs; the token is shown once."""
    if role not in ROLES:
        raise InvalidField("role", f"must be one of {', '.join(ROLES)}")
    if rank(role) > rank(creator_role):
        raise InvalidField("role", f"must be at most the creator's role ({creator_role})")
    token_id = uuid.uuid4()
    token, kid = await sign_api_token(
        session, settings=settings, user=creator, token_id=token_id, role=role, expires_at=expires_at
    )
    row = await repository.add_token(
        session,
        ApiToken(
            id=token_id,
            account_id=creator.account_id,
            user_id=creator.id,
            name=name,
            role=role,
            token_hash=token_hash(token),
            kid=kid,
            expires_at=expires_at,
        ),
    )
    await record(
        session,
        account_id=creator.account_id,
        actor=actor,
        action="api_token.created",
        target=f"api_token:{token_id}",
        detail={"name": name, "role": role, "expires_at": expires_at.isoformat(), "user_id": str(creator.id)},
    )
    return {**token_view(row), "token": token}


async def list_api_tokens(session: AsyncSession, *, account_id: uuid.UUID) -> list[dict[str, Any]]:
    """The account's API tokens, newest first (never the tokens themselves)."""
    now = datetime.now(UTC)
    return [token_view(t, now=now) for t in await repository.tokens_of_account(session, account_id=account_id)]


async def _revoke(
    session: AsyncSession, *, where: ColumnElement[bool], reason: RevocationReason, actor: Actor
) -> list[ApiToken]:
    now = datetime.now(UTC)
    revoked = await repository.revoke_tokens(session, where=where, reason=reason, now=now)
    for token in revoked:
        # Services refuse its jti until it would have expired anyway.
        payload = TokenRevokedPayload(
            api_token_id=token.id, user_id=token.user_id, reason=reason, revoked_at=now, refuse_until=token.expires_at
        )
        await publish(session, TokenRevoked, account_id=token.account_id, payload=payload)
        await record(
            session,
            account_id=token.account_id,
            actor=actor,
            action="api_token.revoked",
            target=f"api_token:{token.id}",
            detail={"name": token.name, "reason": reason},
        )
    return revoked


async def revoke_api_token(
    session: AsyncSession, *, account_id: uuid.UUID, token_id: uuid.UUID, actor: Actor
) -> dict[str, Any]:
    """Revoke one of the account's API tokens (announced with token.revoked); revoking it again changes nothing."""
    token = await base.get_api_token(session, token_id=token_id, for_update=True)
    if token is None or token.account_id != account_id:
        raise NotFound(f"No API token {token_id} in this account.")
    await _revoke(session, where=repository.token_is(token_id), reason="api_token_revoked", actor=actor)
    await session.refresh(token)
    return token_view(token)


async def revoke_user_api_tokens(
    session: AsyncSession, *, user_id: uuid.UUID, reason: RevocationReason, actor: Actor, above_role: str | None = None
) -> int:
    """Revoke a user's live API tokens (all, or those above a role they no longer have); how many."""
    above = tuple(r for r in ROLES if rank(r) > rank(above_role)) if above_role is not None else None
    if above == ():
        return 0
    revoked = await _revoke(
        session, where=repository.tokens_of_user(user_id, above_roles=above), reason=reason, actor=actor
    )
    return len(revoked)


async def issue_for_user(
    session: AsyncSession, *, settings: IdentitySettings, user: str, role: str, ttl: timedelta, name: str
) -> dict[str, Any]:
    """An API token for a user named by id or e-mail address, made from the command line."""
    try:
        found = await base.get_user(session, user_id=uuid.UUID(user))
    except ValueError:
        found = await base.user_by_email_key(session, email_key=email_key(user))
    if found is None:
        raise NotFound(f"No user {user}.")
    account = await base.get_account(session, account_id=found.account_id)
    if found.disabled_at is not None or account is None or account.closed_at is not None:
        raise Gone(f"The user {user} can no longer use the API (disabled, or their account is closed).")
    token = await issue_api_token(
        session,
        settings=settings,
        creator=found,
        creator_role=found.role,
        name=name,
        role=role,
        expires_at=datetime.now(UTC) + ttl,
        actor=COMMAND_LINE,
    )
    return {**token, "account_id": found.account_id}
