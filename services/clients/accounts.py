"""Accounts (tenants) and the demo account, created from the command line."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients import repository
from services.clients.demo import ClientFaker
from services.clients.demo_data import CATEGORIES, TAGS
from services.clients.labels_service import create_label
from services.clients.models import Account, Category, Tag
from services.clients.schemas import ClientCreate
from services.clients.service import create_client
from shared.auth import Principal

DEMO_ACCOUNT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "negoce:demo-account")
DEMO_USER = "demo"


async def create_account(session: AsyncSession, *, name: str, account_id: uuid.UUID | None = None) -> Account:
    """A new tenant with default settings."""
    account = Account(id=account_id or uuid.uuid4(), name=name)
    session.add(account)
    await session.flush()
    return account


async def seed_demo_account(session: AsyncSession, *, clients: int = 300) -> bool:
    """Create the demo account with categories, tags and clients; False if it already exists."""
    if await repository.get_account(session, account_id=DEMO_ACCOUNT_ID) is not None:
        return False
    await create_account(session, name="Démo — Vignobles de Négoce", account_id=DEMO_ACCOUNT_ID)
    principal = Principal(account_id=DEMO_ACCOUNT_ID, user_id=DEMO_USER)
    category_ids = [(await create_label(session, Category, principal=principal, name=n))["id"] for n in CATEGORIES]
    tag_ids = [(await create_label(session, Tag, principal=principal, name=n))["id"] for n in TAGS]
    for fields in ClientFaker(seed=7).clients(clients, category_ids=category_ids, tag_ids=tag_ids):
        await create_client(session, principal=principal, data=ClientCreate(**fields))
    return True
