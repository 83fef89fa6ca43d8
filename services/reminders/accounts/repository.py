"""Queries of the account's reminder settings (its time zone) and of its user directory."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.models import AccountSettings, access_tables

AccountUser = tuple[uuid.UUID, str]


async def account_timezones(session: AsyncSession, *, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The time zone each of these accounts chose (accounts that never chose one are absent)."""
    rows = await session.execute(
        select(AccountSettings.account_id, AccountSettings.timezone).where(
            AccountSettings.account_id.in_(set(account_ids))
        )
    )
    # Not dict(rows): a Result has keys() (its column names), so dict() would read it as a mapping.
    return {row.account_id: row.timezone for row in rows}


async def save_timezone(session: AsyncSession, *, account_id: uuid.UUID, timezone: str) -> None:
    """Store the account's time zone."""
    statement = insert(AccountSettings).values(account_id=account_id, timezone=timezone)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["account_id"], set_={"timezone": statement.excluded.timezone})
    )


async def get_user(session: AsyncSession, *, account_id: uuid.UUID, user_id: str) -> Any:
    """An active user of the account, as identity announced them."""
    users = access_tables.users
    if (key := _user_key(user_id)) is None:
        return None
    query = select(users.c.user_id, users.c.name, users.c.email).where(
        users.c.user_id == key, users.c.account_id == account_id, users.c.active
    )
    return (await session.execute(query)).first()


async def list_users(session: AsyncSession, *, account_id: uuid.UUID) -> Sequence[Any]:
    """The account's active users, by name."""
    users = access_tables.users
    query = select(users.c.user_id, users.c.name, users.c.email).where(users.c.account_id == account_id, users.c.active)
    return (await session.execute(query.order_by(users.c.name, users.c.user_id))).all()


async def user_emails(session: AsyncSession, *, keys: set[AccountUser]) -> dict[AccountUser, str]:
    """The e-mail address of each of these users that is still active (identity's address)."""
    wanted = {(account_id, key): user_id for account_id, user_id in keys if (key := _user_key(user_id)) is not None}
    if not wanted:
        return {}
    users = access_tables.users
    rows = await session.execute(
        select(users.c.account_id, users.c.user_id, users.c.email).where(
            tuple_(users.c.account_id, users.c.user_id).in_(list(wanted)), users.c.active
        )
    )
    return {(r.account_id, wanted[(r.account_id, r.user_id)]): r.email for r in rows}


def _user_key(user_id: str) -> uuid.UUID | None:
    # Reminders keep their assignee as text (assignees from before identity are plain names).
    try:
        return uuid.UUID(user_id)
    except ValueError:
        return None
