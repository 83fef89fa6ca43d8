"""Use cases of the account's side of reminders: its time zone and the user directory."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.accounts import repository as repo
from services.reminders.accounts.domain import DEFAULT_TIMEZONE
from services.reminders.accounts.repository import AccountUser
from services.reminders.accounts.schemas import SettingsWrite
from shared.auth import Principal
from shared.errors import InvalidField


async def account_zone(session: AsyncSession, *, account_id: uuid.UUID) -> ZoneInfo:
    """The zone the account's reminders are shown in (Europe/Paris until it chooses one)."""
    zones = await repo.account_timezones(session, account_ids=[account_id])
    return ZoneInfo(zones.get(account_id, DEFAULT_TIMEZONE))


async def account_zones(session: AsyncSession, *, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ZoneInfo]:
    """The zone of each of these accounts, in one query (Europe/Paris for those that chose none)."""
    zones = await repo.account_timezones(session, account_ids=account_ids)
    return {account_id: ZoneInfo(zones.get(account_id, DEFAULT_TIMEZONE)) for account_id in set(account_ids)}


async def get_settings(session: AsyncSession, *, principal: Principal) -> dict[str, Any]:
    """The account's reminder settings."""
    return {"timezone": (await account_zone(session, account_id=principal.account_id)).key}


async def save_settings(session: AsyncSession, *, principal: Principal, data: SettingsWrite) -> dict[str, Any]:
    """Choose the account's time zone."""
    await repo.save_timezone(session, account_id=principal.account_id, timezone=data.timezone)
    return {"timezone": data.timezone}


async def list_users(session: AsyncSession, *, principal: Principal) -> list[dict[str, Any]]:
    """The users reminders may be assigned to: the account's active users, as identity announced them."""
    return [
        {"user_id": str(u.user_id), "display_name": u.name, "email": u.email}
        for u in await repo.list_users(session, account_id=principal.account_id)
    ]


async def require_assignee(session: AsyncSession, *, principal: Principal, user_id: str) -> None:
    """422 on assigned_user unless it is the caller or an active user of the account."""
    if (
        user_id != principal.user_id
        and await repo.get_user(session, account_id=principal.account_id, user_id=user_id) is None
    ):
        raise InvalidField("assigned_user", f"unknown user {user_id!r}: not an active user of this account")


async def user_emails(session: AsyncSession, *, keys: set[AccountUser]) -> dict[AccountUser, str]:
    """Where to e-mail each of these users, for those who gave an address."""
    return await repo.user_emails(session, keys=keys)
