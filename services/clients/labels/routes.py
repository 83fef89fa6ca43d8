"""HTTP routes of the account's categories and tags."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.labels import service
from services.clients.labels.repository import Label
from services.clients.labels.schemas import NamedCreate, NamedRead
from services.clients.models import Category, Tag
from shared.auth import Manager, Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX)]


def _label_routes(model: Label, plural: str) -> None:
    """Register list/create/rename/delete routes for categories or tags."""
    tag: list[str | Enum] = [plural]

    async def list_all(principal: Reader, session: Transaction) -> Any:
        return await service.list_labels(session, model, principal=principal)

    async def create(body: NamedCreate, principal: Manager, session: Transaction) -> Any:
        return await service.create_label(session, model, principal=principal, name=body.name)

    async def rename(label_id: ObjectId, body: NamedCreate, principal: Manager, session: Transaction) -> Any:
        return await service.rename_label(session, model, principal=principal, label_id=label_id, name=body.name)

    async def remove(label_id: ObjectId, principal: Manager, session: Transaction) -> None:
        await service.delete_label(session, model, principal=principal, label_id=label_id)

    base = f"/{plural}"
    router.add_api_route(
        base,
        list_all,
        methods=["GET"],
        response_model=list[NamedRead],
        tags=tag,
        summary=f"List the {plural}",
        description=f"The account's {plural} by name.",
    )
    router.add_api_route(
        base,
        create,
        methods=["POST"],
        response_model=NamedRead,
        tags=tag,
        status_code=status.HTTP_201_CREATED,
        summary=f"Create one of the {plural}",
        description="Names are unique in an account.",
    )
    router.add_api_route(
        f"{base}/{{label_id}}",
        rename,
        methods=["PATCH"],
        response_model=NamedRead,
        tags=tag,
        summary=f"Rename one of the {plural}",
        description="Rename it.",
    )
    router.add_api_route(
        f"{base}/{{label_id}}",
        remove,
        methods=["DELETE"],
        tags=tag,
        status_code=status.HTTP_204_NO_CONTENT,
        summary=f"Delete one of the {plural}",
        description="Refused (409) while a client uses it.",
    )


_label_routes(Category, "categories")
_label_routes(Tag, "tags")
