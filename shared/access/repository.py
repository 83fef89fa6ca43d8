"""Queries of the access tables: applying identity's events, and reading what changed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.access.tables import CHANGED_AT, AccessTables


async def add_account(session: AsyncSession, tables: AccessTables, *, account_id: uuid.UUID, name: str) -> None:
    """Know an account (again: a redelivered announcement changes nothing)."""
    t = tables.accounts
    await session.execute(insert(t).values(account_id=account_id, name=name).on_conflict_do_nothing())


async def close_account(
    session: AsyncSession, tables: AccessTables, *, account_id: uuid.UUID, closed_at: datetime
) -> None:
    """Mark an account closed, knowing it first if its creation has not arrived yet."""
    t = tables.accounts
    statement = insert(t).values(account_id=account_id, name="", closed_at=closed_at)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[t.c.account_id], set_={"closed_at": closed_at, "changed_at": CHANGED_AT}
        )
    )


async def save_user(session: AsyncSession, tables: AccessTables, *, values: dict[str, Any]) -> bool:
    """Store a user's state unless a later one is already stored; True when stored."""
    t = tables.users
    statement = insert(t).values(**values)
    changed = {k: statement.excluded[k] for k in values if k != "user_id"} | {"changed_at": CHANGED_AT}
    result = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[t.c.user_id], set_=changed, where=t.c.as_of <= statement.excluded.as_of
        ).returning(t.c.user_id)
    )
    return result.first() is not None


async def add_revocation(session: AsyncSession, tables: AccessTables, *, values: dict[str, Any]) -> None:
    """Remember a revoked session or API token (again: a redelivery changes nothing)."""
    await session.execute(insert(tables.revocations).values(**values).on_conflict_do_nothing())


async def forget_old_revocations(session: AsyncSession, tables: AccessTables, *, now: datetime) -> None:
    """Delete the revocations no token can need any more."""
    t = tables.revocations
    await session.execute(t.delete().where(t.c.refuse_until < now))


async def get_account(session: AsyncSession, tables: AccessTables, *, account_id: uuid.UUID) -> Any:
    """One known account (id, closed_at), or None."""
    t = tables.accounts
    return (await session.execute(select(t.c.account_id, t.c.closed_at).where(t.c.account_id == account_id))).first()


async def get_user(session: AsyncSession, tables: AccessTables, *, user_id: uuid.UUID) -> Any:
    """One known user (id, account, active, role, name), or None."""
    t = tables.users
    query = select(t.c.user_id, t.c.account_id, t.c.active, t.c.role, t.c.name)
    return (await session.execute(query.where(t.c.user_id == user_id))).first()


async def changed_accounts(session: AsyncSession, tables: AccessTables, *, since: datetime | None) -> Sequence[Any]:
    """Accounts changed since an instant (all of them when None)."""
    t = tables.accounts
    query = select(t.c.account_id, t.c.closed_at, t.c.changed_at)
    return (await session.execute(query if since is None else query.where(t.c.changed_at >= since))).all()


async def changed_users(session: AsyncSession, tables: AccessTables, *, since: datetime | None) -> Sequence[Any]:
    """Users changed since an instant (all of them when None)."""
    t = tables.users
    query = select(t.c.user_id, t.c.account_id, t.c.active, t.c.role, t.c.name, t.c.changed_at)
    return (await session.execute(query if since is None else query.where(t.c.changed_at >= since))).all()


async def changed_revocations(
    session: AsyncSession, tables: AccessTables, *, since: datetime | None, now: datetime
) -> Sequence[Any]:
    """Revocations still in force and recorded since an instant (all in force when None)."""
    t = tables.revocations
    query = select(t.c.token_id, t.c.refuse_until, t.c.changed_at).where(t.c.refuse_until > now)
    return (await session.execute(query if since is None else query.where(t.c.changed_at >= since))).all()


async def database_now(session: AsyncSession) -> datetime:
    """The database's clock: the reads compare it with changed_at, which it wrote."""
    return (await session.execute(select(func.clock_timestamp()))).scalar_one()
