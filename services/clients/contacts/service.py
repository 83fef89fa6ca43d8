"""Use cases for a client's contacts and the recipients of its documents."""

from __future__ import annotations

from typing import Any, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base import repository
from services.clients.base.bodies import name_of
from services.clients.base.domain import person_name
from services.clients.base.service import account_of, load_any_client, load_client
from services.clients.contacts import repository as contacts_repository
from services.clients.contacts.domain import DocumentKind, Recipient
from services.clients.contacts.schemas import ContactFields
from services.clients.models import Client, Contact
from services.clients.record.service import announce_update, refresh_search_keys
from shared.auth import Principal
from shared.errors import InvalidField, NotFound

FLAGS = ("receives_quotes", "receives_proforma", "receives_invoices", "receives_dunning")


def contact_body(contact: Contact) -> dict[str, Any]:
    """A contact as the API shows it."""
    return {
        name: getattr(contact, name)
        for name in (
            "id",
            "client_id",
            "title",
            "first_name",
            "last_name",
            "job_title",
            "email",
            "phone",
            "mobile",
            *FLAGS,
        )
    }


async def contact_bodies(session: AsyncSession, *, client_id: int) -> list[dict[str, Any]]:
    """The contacts of a client the caller already loaded, as the API shows them."""
    return [contact_body(c) for c in await repository.list_contacts(session, client_id=client_id)]


async def list_contacts(session: AsyncSession, *, principal: Principal, client_id: int) -> list[dict[str, Any]]:
    """A client's contacts."""
    client = await load_any_client(session, principal=principal, client_id=client_id)
    return await contact_bodies(session, client_id=client.id)


async def add_contact(
    session: AsyncSession, *, principal: Principal, client_id: int, data: ContactFields
) -> dict[str, Any]:
    """Add a person at a client."""
    # Locked: the client's search keys are recomputed from all its contacts (see refresh_search_keys).
    client = await load_client(session, principal=principal, client_id=client_id, for_update=True)
    values = dict.fromkeys(FLAGS, False) | data.model_dump(exclude_none=True)
    contact = Contact(account_id=principal.account_id, client_id=client.id, **values)
    _check(contact)
    session.add(contact)
    await session.flush()
    await _contacts_changed(session, principal=principal, client=client)
    return contact_body(contact)


async def update_contact(
    session: AsyncSession, *, principal: Principal, client_id: int, contact_id: int, data: ContactFields
) -> dict[str, Any]:
    """Edit the fields present in the request."""
    client, contact = await _load(session, principal=principal, client_id=client_id, contact_id=contact_id)
    for name in data.model_fields_set:
        value = getattr(data, name)
        if name in FLAGS and value is None:
            raise InvalidField(name, "may not be null")
        setattr(contact, name, value)
    _check(contact)
    await session.flush()
    await _contacts_changed(session, principal=principal, client=client)
    return contact_body(contact)


async def delete_contact(session: AsyncSession, *, principal: Principal, client_id: int, contact_id: int) -> None:
    """Remove a contact."""
    client, contact = await _load(session, principal=principal, client_id=client_id, contact_id=contact_id)
    await session.delete(contact)
    await session.flush()
    await _contacts_changed(session, principal=principal, client=client)


async def recipients(
    session: AsyncSession, *, principal: Principal, client_id: int, document: DocumentKind
) -> list[dict[str, Any]]:
    """Who receives this kind of document: the flagged contacts, else the client's own e-mail."""
    return (await recipients_by_document(session, principal=principal, client_id=client_id))[document]


async def recipients_by_document(
    session: AsyncSession, *, principal: Principal, client_id: int
) -> dict[str, list[dict[str, Any]]]:
    """Who receives each kind of document, from one reading of the client and its contacts."""
    client = await load_client(session, principal=principal, client_id=client_id)
    contacts = await repository.list_contacts(session, client_id=client.id)
    by_document: dict[str, list[dict[str, Any]]] = {}
    for document in get_args(DocumentKind):
        found = [
            Recipient(
                name=person_name(c.first_name, c.last_name, "first_last"),
                email=c.email,
                source="contact",
                contact_id=c.id,
            )
            for c in contacts
            if getattr(c, f"receives_{document}") and c.email
        ]
        if not found and client.email:
            found = [Recipient(name=name_of(client, "first_last"), email=client.email, source="client")]
        by_document[document] = [
            {"name": r.name, "email": r.email, "source": r.source, "contact_id": r.contact_id} for r in found
        ]
    return by_document


async def _load(
    session: AsyncSession, *, principal: Principal, client_id: int, contact_id: int
) -> tuple[Client, Contact]:
    # The client is locked: its search keys are recomputed from all its contacts afterwards.
    client = await load_client(session, principal=principal, client_id=client_id, for_update=True)
    contact = await contacts_repository.get_contact(session, client_id=client.id, contact_id=contact_id)
    if contact is None:
        raise NotFound(f"Contact {contact_id} of client {client_id} does not exist.")
    return client, contact


async def _contacts_changed(session: AsyncSession, *, principal: Principal, client: Client) -> None:
    # Contacts travel in the client's snapshot (e-mail recipients), so a change is a client.updated.
    await refresh_search_keys(session, client=client)
    await announce_update(
        session,
        principal=principal,
        account=await account_of(session, principal),
        client=client,
        tag_ids=await repository.client_tag_ids(session, client_id=client.id),
        changed=["contacts"],
    )


def _check(contact: Contact) -> None:
    if not (contact.first_name or contact.last_name or contact.email):
        raise InvalidField("last_name", "a contact needs a name or an e-mail")
    for flag in FLAGS:
        if getattr(contact, flag) and not contact.email:
            raise InvalidField("email", f"needed to receive documents ({flag})")
