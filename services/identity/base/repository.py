"""Queries every identity slice needs: an account, a user (by id or by e-mail address), an API token."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import Account, ApiToken, User


async def get_account(session: AsyncSession, *, account_id: uuid.UUID) -> Account | None:
    """An account by id."""
    return await session.get(Account, account_id)


async def get_user(session: AsyncSession, *, user_id: uuid.UUID, for_update: bool = False) -> User | None:
    """A user by id, locked for the transaction when asked."""
    return await session.get(User, user_id, with_for_update=for_update)


async def user_by_email_key(session: AsyncSession, *, email_key: str) -> User | None:
    """The user an e-mail address (folded to lower case) belongs to."""
    return (await session.execute(select(User).where(User.email_key == email_key))).scalar_one_or_none()


async def first_owner(session: AsyncSession, *, account_id: uuid.UUID) -> User | None:
    """The account's earliest owner still active (the one the command line acts as)."""
    query = (
        select(User)
        .where(User.account_id == account_id, User.role == "owner", User.disabled_at.is_(None))
        .order_by(User.created_at)
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def get_api_token(session: AsyncSession, *, token_id: uuid.UUID, for_update: bool = False) -> ApiToken | None:
    """An API token by id, locked for the transaction when asked."""
    return await session.get(ApiToken, token_id, with_for_update=for_update)
