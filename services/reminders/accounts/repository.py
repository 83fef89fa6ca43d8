"""Queries of the account's reminder settings (its time zone) and of its user directory."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.models import AccountSettings, ReminderUser

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


async def get_user(session: AsyncSession, *, account_id: uuid.UUID, user_id: str) -> ReminderUser | None:
    """A user of the account's directory."""
    return await session.get(ReminderUser, (account_id, user_id))


async def list_users(session: AsyncSession, *, account_id: uuid.UUID) -> list[ReminderUser]:
    """The account's directory, by user id."""
    rows = await session.scalars(
        select(ReminderUser).where(ReminderUser.account_id == account_id).order_by(ReminderUser.user_id)
    )
    return list(rows)


async def save_user(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: str, display_name: str, email: str | None
) -> None:
    """Add a user to the directory or change their name and e-mail."""
    statement = insert(ReminderUser).values(
        account_id=account_id, user_id=user_id, display_name=display_name, email=email
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["account_id", "user_id"],
            set_={"display_name": statement.excluded.display_name, "email": statement.excluded.email},
        )
    )


async def add_user_if_absent(session: AsyncSession, *, account_id: uuid.UUID, user_id: str) -> None:
    """Put a user in the directory under their id, keeping the name and e-mail of one already there."""
    await session.execute(
        insert(ReminderUser)
        .values(account_id=account_id, user_id=user_id, display_name=user_id, email=None)
        .on_conflict_do_nothing()
    )


async def user_emails(session: AsyncSession, *, keys: set[AccountUser]) -> dict[AccountUser, str]:
    """The e-mail address of each of these users that has one."""
    if not keys:
        return {}
    rows = await session.execute(
        select(ReminderUser.account_id, ReminderUser.user_id, ReminderUser.email).where(
            tuple_(ReminderUser.account_id, ReminderUser.user_id).in_(list(keys)), ReminderUser.email.is_not(None)
        )
    )
    return {(r.account_id, r.user_id): r.email for r in rows}
