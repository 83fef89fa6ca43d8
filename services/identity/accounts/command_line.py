"""What the command line asks of identity: an account with its owner and a token, the demo account."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.accounts.service import create_account
from services.identity.base import repository as base
from services.identity.keys.service import sign_access_token
from services.identity.settings import IdentitySettings
from services.identity.users.service import join, user_view
from shared.errors import NotFound


async def create_account_with_token(
    session: AsyncSession, *, settings: IdentitySettings, name: str, owner_email: str, owner_name: str
) -> dict[str, Any]:
    """A new account, its owner with a one-time password, and an access token for the owner."""
    made = await create_account(session, settings=settings, name=name, owner_email=owner_email, owner_name=owner_name)
    token = await owner_token(session, settings=settings, user_id=made["owner"]["id"])
    return {**made, "token": token}


async def owner_token(session: AsyncSession, *, settings: IdentitySettings, user_id: uuid.UUID) -> str:
    """A short-lived access token for a user, outside any signed-in session (the command line's)."""
    user = await base.get_user(session, user_id=user_id)
    if user is None:
        raise NotFound("No such user.")
    return await sign_access_token(session, settings=settings, user=user, session_id=uuid.uuid4())


async def ensure_demo_account(
    session: AsyncSession,
    *,
    settings: IdentitySettings,
    account_id: uuid.UUID,
    name: str,
    owner_email: str,
    password: str,
) -> dict[str, Any]:
    """The demo account with its owner signing in with the demo password (set when first made); a token for them."""
    created = await base.get_account(session, account_id=account_id) is None
    if created:
        await create_account(
            session, settings=settings, name=name, owner_email=owner_email, owner_name="Démo", account_id=account_id
        )
    owner = await base.first_owner(session, account_id=account_id)
    if owner is None:
        raise NotFound("The demo account has no active owner.")
    if created:
        await join(session, settings=settings, user=owner, password=password)
    token = await owner_token(session, settings=settings, user_id=owner.id)
    return {"created": created, "owner": user_view(owner), "token": token}


async def adopt_accounts(
    session: AsyncSession,
    *,
    settings: IdentitySettings,
    accounts: list[tuple[uuid.UUID, str]],
    owner_emails: dict[uuid.UUID, str],
    domain: str,
) -> list[dict[str, Any]]:
    """Give each account made before identity existed an owner with a one-time password; skip those it knows.

    The owner's address is the one given for the account, else ``owner-<first 8 hex of its id>@domain``
    (an owner signing in with it invites a real address as owner, then disables this one).
    """
    adopted = []
    for account_id, name in accounts:
        if await base.get_account(session, account_id=account_id) is not None:
            continue
        email = owner_emails.get(account_id) or f"owner-{account_id.hex[:8]}@{domain}"
        made = await create_account(
            session, settings=settings, name=name, owner_email=email, owner_name="Owner", account_id=account_id
        )
        owner = made["owner"]
        adopted.append(
            {
                "account_id": str(account_id),
                "owner_id": str(owner["id"]),
                "owner": owner["email"],
                "password": made["password"],
            }
        )
    return adopted
