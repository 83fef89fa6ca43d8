"""HTTP routes of the account's settings, categories, tags and a client's contacts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from services.clients import contacts_service, labels_service
from services.clients.domain import DocumentKind
from services.clients.models import Category, Tag
from services.clients.repository import Label
from services.clients.schemas import (
    AccountSettingsRead,
    AccountSettingsUpdate,
    ContactFields,
    ContactRead,
    NamedCreate,
    NamedRead,
    RecipientRead,
)
from services.clients.validation import DB_BIGINT_MAX
from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX)]


@router.get("/settings", response_model=AccountSettingsRead, tags=["settings"])
async def get_settings(principal: CurrentPrincipal, session: Transaction) -> Any:
    """The account's client-base settings (name order, accounting prefix)."""
    return await labels_service.get_settings(session, principal=principal)


@router.patch("/settings", response_model=AccountSettingsRead, tags=["settings"])
async def update_settings(body: AccountSettingsUpdate, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Change the account's client-base settings."""
    return await labels_service.update_settings(session, principal=principal, data=body)


def _label_routes(model: Label, plural: str) -> None:
    """Register list/create/rename/delete routes for categories or tags."""
    tag = [plural]

    async def list_all(principal: CurrentPrincipal, session: Transaction) -> Any:
        return await labels_service.list_labels(session, model, principal=principal)

    async def create(body: NamedCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
        return await labels_service.create_label(session, model, principal=principal, name=body.name)

    async def rename(label_id: ObjectId, body: NamedCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
        return await labels_service.rename_label(session, model, principal=principal, label_id=label_id, name=body.name)

    async def remove(label_id: ObjectId, principal: CurrentPrincipal, session: Transaction) -> None:
        await labels_service.delete_label(session, model, principal=principal, label_id=label_id)

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


@router.get("/{client_id}/contacts", response_model=list[ContactRead], tags=["contacts"])
async def list_contacts(client_id: ObjectId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """A client's contacts (F12)."""
    return await contacts_service.list_contacts(session, principal=principal, client_id=client_id)


@router.post(
    "/{client_id}/contacts", response_model=ContactRead, status_code=status.HTTP_201_CREATED, tags=["contacts"]
)
async def add_contact(
    client_id: ObjectId, body: ContactFields, principal: CurrentPrincipal, session: Transaction
) -> Any:
    """Add a person at a client, with the documents they receive."""
    return await contacts_service.add_contact(session, principal=principal, client_id=client_id, data=body)


@router.patch("/{client_id}/contacts/{contact_id}", response_model=ContactRead, tags=["contacts"])
async def update_contact(
    client_id: ObjectId, contact_id: ObjectId, body: ContactFields, principal: CurrentPrincipal, session: Transaction
) -> Any:
    """Edit a contact."""
    return await contacts_service.update_contact(
        session, principal=principal, client_id=client_id, contact_id=contact_id, data=body
    )


@router.delete("/{client_id}/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["contacts"])
async def delete_contact(
    client_id: ObjectId, contact_id: ObjectId, principal: CurrentPrincipal, session: Transaction
) -> None:
    """Remove a contact."""
    await contacts_service.delete_contact(session, principal=principal, client_id=client_id, contact_id=contact_id)


@router.get("/{client_id}/recipients", response_model=list[RecipientRead], tags=["contacts"])
async def recipients(
    client_id: ObjectId, document: DocumentKind, principal: CurrentPrincipal, session: Transaction
) -> Any:
    """Who receives a client's quotes, pro-formas, invoices or dunning letters by e-mail."""
    return await contacts_service.recipients(session, principal=principal, client_id=client_id, document=document)
