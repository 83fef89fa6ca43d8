"""Use cases of accounts: create one with its owner, read it, close it."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.accounts import repository
from services.identity.audit.service import record
from services.identity.base import repository as base
from services.identity.base.domain import Actor
from services.identity.base.events import publish
from services.identity.passwords.domain import weakness
from services.identity.settings import IdentitySettings
from services.identity.users.service import add_user, join, user_view
from shared.errors import Conflict, NotFound
from shared.events.identity import AccountClosed, AccountClosedPayload, AccountCreated, AccountPayload


def one_time_password(email: str) -> str:
    """A random password that meets the rule, for an owner created from the command line."""
    while True:
        password = secrets.token_urlsafe(18)  # 24 characters, 144 bits
        if weakness(password, email=email) is None:
            return password


async def create_account(
    session: AsyncSession,
    *,
    settings: IdentitySettings,
    name: str,
    owner_email: str,
    owner_name: str,
    account_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """An account and its owner, who can sign in at once with the one-time password returned (shown once)."""
    account_id = account_id or uuid.uuid4()
    if await base.get_account(session, account_id=account_id) is not None:
        raise Conflict(f"The account {account_id} already exists.")
    account = await repository.add_account(session, account_id=account_id, name=name)
    owner = await add_user(session, account_id=account.id, email=owner_email, name=owner_name, role="owner")
    password = one_time_password(owner.email)
    await publish(
        session,
        AccountCreated,
        account_id=account.id,
        payload=AccountPayload(account_id=account.id, name=name, owner_user_id=owner.id),
    )
    await join(session, settings=settings, user=owner, password=password)
    return {"account_id": account.id, "owner": user_view(owner), "password": password}


async def get_account(session: AsyncSession, *, account_id: uuid.UUID) -> dict[str, Any]:
    """An account as the API shows it."""
    account = await base.get_account(session, account_id=account_id)
    if account is None:
        raise NotFound("No such account.")
    return {"id": account.id, "name": account.name, "created_at": account.created_at, "closed_at": account.closed_at}


async def close_account(session: AsyncSession, *, account_id: uuid.UUID, actor: Actor) -> dict[str, Any]:
    """Close an account: its users cannot sign in, every service refuses its tokens (account.closed). Once."""
    account = await repository.account_for_update(session, account_id=account_id)
    if account is None:
        raise NotFound(f"No account {account_id}.")
    if account.closed_at is None:
        account.closed_at = datetime.now(UTC)
        payload = AccountClosedPayload(account_id=account.id, closed_at=account.closed_at)
        await publish(session, AccountClosed, account_id=account.id, payload=payload)
        await record(
            session, account_id=account.id, actor=actor, action="account.closed", target=f"account:{account.id}"
        )
    return {"account_id": account.id, "name": account.name, "closed_at": account.closed_at}
