"""HTTP routes of a client's contacts and of who receives its documents by e-mail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.contacts import service
from services.clients.contacts.domain import DocumentKind
from services.clients.contacts.schemas import ContactFields, ContactRead, RecipientRead, RecipientsByDocument
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX)]


@router.get("/{client_id}/contacts", response_model=list[ContactRead], tags=["contacts"])
async def list_contacts(client_id: ObjectId, principal: Reader, session: Transaction) -> Any:
    """A client's contacts: the people there and the documents each receives by e-mail."""
    return await service.list_contacts(session, principal=principal, client_id=client_id)


@router.post(
    "/{client_id}/contacts", response_model=ContactRead, status_code=status.HTTP_201_CREATED, tags=["contacts"]
)
async def add_contact(client_id: ObjectId, body: ContactFields, principal: Staff, session: Transaction) -> Any:
    """Add a person at a client, with the documents they receive."""
    return await service.add_contact(session, principal=principal, client_id=client_id, data=body)


@router.patch("/{client_id}/contacts/{contact_id}", response_model=ContactRead, tags=["contacts"])
async def update_contact(
    client_id: ObjectId, contact_id: ObjectId, body: ContactFields, principal: Staff, session: Transaction
) -> Any:
    """Edit a contact."""
    return await service.update_contact(
        session, principal=principal, client_id=client_id, contact_id=contact_id, data=body
    )


@router.delete("/{client_id}/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["contacts"])
async def delete_contact(client_id: ObjectId, contact_id: ObjectId, principal: Staff, session: Transaction) -> None:
    """Remove a contact."""
    await service.delete_contact(session, principal=principal, client_id=client_id, contact_id=contact_id)


@router.get("/{client_id}/recipients", response_model=list[RecipientRead], tags=["contacts"])
async def recipients(client_id: ObjectId, document: DocumentKind, principal: Reader, session: Transaction) -> Any:
    """Who receives a client's quotes, pro-formas, invoices or dunning letters by e-mail."""
    return await service.recipients(session, principal=principal, client_id=client_id, document=document)


@router.get("/{client_id}/recipients/by-document", response_model=RecipientsByDocument, tags=["contacts"])
async def recipients_by_document(client_id: ObjectId, principal: Reader, session: Transaction) -> Any:
    """Who receives each kind of document at once: quotes, pro-formas, invoices and dunning letters."""
    return await service.recipients_by_document(session, principal=principal, client_id=client_id)
