"""Queries of API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import ApiToken


async def add_token(session: AsyncSession, token: ApiToken) -> ApiToken:
    """Insert an API token (its hash only) and load its defaults."""
    session.add(token)
    await session.flush()
    await session.refresh(token)
    return token


async def tokens_of_account(session: AsyncSession, *, account_id: uuid.UUID) -> list[ApiToken]:
    """An account's API tokens, newest first."""
    query = select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.created_at.desc())
    return list((await session.execute(query)).scalars())


async def revoke_tokens(
    session: AsyncSession, *, where: ColumnElement[bool], reason: str, now: datetime
) -> list[ApiToken]:
    """Revoke the live tokens matching a condition; the tokens revoked."""
    rows = await session.execute(
        update(ApiToken)
        .where(where, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .values(revoked_at=now, revoked_reason=reason)
        .returning(ApiToken)
    )
    return list(rows.scalars())


def token_is(token_id: uuid.UUID) -> ColumnElement[bool]:
    """Condition: this token."""
    return ApiToken.id == token_id


def tokens_of_user(user_id: uuid.UUID, *, above_roles: tuple[str, ...] | None = None) -> ColumnElement[bool]:
    """Condition: a user's tokens (only those with one of ``above_roles`` when given)."""
    condition = ApiToken.user_id == user_id
    return condition & ApiToken.role.in_(above_roles) if above_roles is not None else condition
