"""Queries of accounts."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import Account


async def add_account(session: AsyncSession, *, account_id: uuid.UUID, name: str) -> Account:
    """Insert an account."""
    account = Account(id=account_id, name=name)
    session.add(account)
    await session.flush()
    return account


async def account_for_update(session: AsyncSession, *, account_id: uuid.UUID) -> Account | None:
    """An account by id, locked for the transaction."""
    return await session.get(Account, account_id, with_for_update=True)
