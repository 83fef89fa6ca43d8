"""Use cases of accounts (tenants): create one, read and change its client-base settings, seed the demo account."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.accounts.demo import ClientFaker
from services.clients.accounts.demo_data import CATEGORIES, TAGS
from services.clients.accounts.schemas import AccountSettingsUpdate
from services.clients.base import repository
from services.clients.base.service import account_of
from services.clients.labels.service import create_label
from services.clients.models import Account, Category, Tag
from services.clients.record.schemas import ClientCreate
from services.clients.record.service import create_client
from shared.auth import Principal
from shared.events.identity import AccountCreated

DEMO_ACCOUNT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "negoce:demo-account")
DEMO_USER = "demo"
DEMO_NAME = "Démo — Vignobles de Négoce"


async def create_account(session: AsyncSession, *, name: str, account_id: uuid.UUID | None = None) -> Account:
    """A new tenant with default settings."""
    account = Account(id=account_id or uuid.uuid4(), name=name)
    session.add(account)
    await session.flush()
    return account


async def list_accounts(session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    """Every account of the client base (id, name): what identity must know an owner of."""
    return await repository.all_accounts(session)


async def open_account(session: AsyncSession, event: AccountCreated) -> None:
    """Give an account identity announced its client base, with default settings (once)."""
    await repository.add_account_if_absent(session, account_id=event.payload.account_id, name=event.payload.name)


async def seed_demo_account(session: AsyncSession, *, clients: int = 300) -> bool:
    """Create the demo account with categories, tags and clients; False if it already exists."""
    if await repository.get_account(session, account_id=DEMO_ACCOUNT_ID) is not None:
        return False
    await create_account(session, name=DEMO_NAME, account_id=DEMO_ACCOUNT_ID)
    principal = Principal(account_id=DEMO_ACCOUNT_ID, user_id=DEMO_USER)
    category_ids = [(await create_label(session, Category, principal=principal, name=n))["id"] for n in CATEGORIES]
    tag_ids = [(await create_label(session, Tag, principal=principal, name=n))["id"] for n in TAGS]
    for fields in ClientFaker(seed=7).clients(clients, category_ids=category_ids, tag_ids=tag_ids):
        await create_client(session, principal=principal, data=ClientCreate(**fields))
    return True


async def get_settings(session: AsyncSession, *, principal: Principal) -> dict[str, Any]:
    """The account's client-base settings."""
    account = await account_of(session, principal)
    return {
        "name": account.name,
        "name_order": account.name_order,
        "accounting_prefix": account.accounting_prefix,
        "timezone": account.timezone,
    }


async def update_settings(
    session: AsyncSession, *, principal: Principal, data: AccountSettingsUpdate
) -> dict[str, Any]:
    """Change the name order or the accounting-code prefix (existing codes are kept)."""
    account = await account_of(session, principal)
    for name, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(account, name, value)
    return await get_settings(session, principal=principal)
