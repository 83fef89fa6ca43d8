"""Use cases of categories and tags."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.service import account_of
from services.clients.labels import repository
from services.clients.labels.repository import Label
from services.clients.models import Category, Tag
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound

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


async def check_references(
    session: AsyncSession, *, account_id: uuid.UUID, category_id: int | None, tag_ids: list[int] | None
) -> None:
    """A client's category and tags must exist in its account (422 naming the field otherwise)."""
    if category_id is not None and not await repository.existing_label_ids(
        session, Category, account_id=account_id, ids=[category_id]
    ):
        raise InvalidField("category_id", f"unknown category {category_id}")
    if tag_ids:
        known = await repository.existing_label_ids(session, Tag, account_id=account_id, ids=tag_ids)
        unknown = sorted(set(tag_ids) - known)
        if unknown:
            raise InvalidField("tag_ids", f"unknown tags {unknown}")
