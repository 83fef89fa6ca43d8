"""Use cases for categories, tags and the account's client-base settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients import repository
from services.clients.models import Category, Tag
from services.clients.repository import Label
from services.clients.schemas import AccountSettingsUpdate
from services.clients.service import account_of
from shared.auth import Principal
from shared.errors import Conflict, NotFound

LABEL_NOUN = {Category: "category", Tag: "tag"}


async def list_labels(session: AsyncSession, model: Label, *, principal: Principal) -> list[dict[str, Any]]:
    """The account's categories or tags."""
    labels = await repository.list_labels(session, model, account_id=principal.account_id)
    return [{"id": label.id, "name": label.name} for label in labels]


async def create_label(session: AsyncSession, model: Label, *, principal: Principal, name: str) -> dict[str, Any]:
    """Add a category or tag; names are unique in an account."""
    await account_of(session, principal)
    if await repository.label_name_taken(session, model, account_id=principal.account_id, name=name):
        raise Conflict(
            f"A {LABEL_NOUN[model]} named {name!r} already exists.",
            extra={"errors": [{"field": "name", "message": "already used"}]},
        )
    label = model(account_id=principal.account_id, name=name)
    session.add(label)
    await session.flush()
    return {"id": label.id, "name": label.name}


async def rename_label(
    session: AsyncSession, model: Label, *, principal: Principal, label_id: int, name: str
) -> dict[str, Any]:
    """Rename a category or tag."""
    label = await _load(session, model, principal=principal, label_id=label_id)
    if await repository.label_name_taken(
        session, model, account_id=principal.account_id, name=name, except_id=label_id
    ):
        raise Conflict(
            f"A {LABEL_NOUN[model]} named {name!r} already exists.",
            extra={"errors": [{"field": "name", "message": "already used"}]},
        )
    label.name = name
    return {"id": label.id, "name": label.name}


async def delete_label(session: AsyncSession, model: Label, *, principal: Principal, label_id: int) -> None:
    """Delete a category or tag that no client uses."""
    label = await _load(session, model, principal=principal, label_id=label_id)
    if await repository.label_in_use(session, model, label_id=label_id):
        raise Conflict(f"The {LABEL_NOUN[model]} {label.name!r} is still used by clients.")
    await session.delete(label)


async def _load(session: AsyncSession, model: Label, *, principal: Principal, label_id: int) -> Category | Tag:
    label = await repository.get_label(session, model, account_id=principal.account_id, label_id=label_id)
    if label is None:
        raise NotFound(f"The {LABEL_NOUN[model]} {label_id} does not exist.")
    return label


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
