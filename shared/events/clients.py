"""Events published by the clients service (exchange negoce.clients)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from shared.events.envelope import Event


class AddressPayload(BaseModel):
    """A postal address as carried in events."""

    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country_code: str | None = "FR"


class ContactPayload(BaseModel):
    """A person at a client and which documents they receive by e-mail."""

    contact_id: int
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    receives_quotes: bool = False
    receives_proforma: bool = False
    receives_invoices: bool = False
    receives_dunning: bool = False


class ClientSnapshot(BaseModel):
    """Event-carried state of a client: what other services need to act on it."""

    client_id: int
    version: int
    kind: Literal["person", "company"]
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    display_name: str
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    billing_address: AddressPayload
    shipping_address: AddressPayload | None = None
    category_id: int | None = None
    price_grid_id: int | None = None
    tag_ids: list[int] = []
    accounting_code: str
    accepts_emailing: bool
    accepts_mailing: bool
    note: str | None = None
    show_note_on_orders: bool = False
    # A company's identifiers (checked by the clients service); absent from messages written before them.
    legal_form: str | None = None
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    blocked: bool = False
    archived: bool = False
    contacts: list[ContactPayload] = []
    created_at: datetime
    updated_at: datetime


class ClientUpdatedPayload(ClientSnapshot):
    """The new snapshot and the names of the fields that changed."""

    changed_fields: list[str]


class ClientBlockPayload(BaseModel):
    """Who blocked or unblocked a client, when and why."""

    client_id: int
    version: int
    reason: str | None = None
    by_user: str


class ClientDeletedPayload(BaseModel):
    """A client removed from the base."""

    client_id: int
    version: int
    by_user: str


class ClientArchivePayload(BaseModel):
    """A client hidden from the list and the order picker, or brought back."""

    client_id: int
    version: int
    by_user: str


class ClientMergedPayload(BaseModel):
    """One client absorbed into another: every reference to ``merged_client_id`` moves to ``kept_client_id``."""

    merge_id: int
    kept_client_id: int
    merged_client_id: int
    kept_version: int
    by_user: str


class ClientErasedPayload(BaseModel):
    """Personal data of a client removed (GDPR); documents stay under the pseudonym."""

    client_id: int
    version: int
    pseudonym: str
    by_user: str


class NotePayload(BaseModel):
    """A note on a client's sheet: a comment, a call or a meeting."""

    note_id: int
    client_id: int
    kind: Literal["comment", "call", "meeting"]
    noted_at: datetime
    text: str
    by_user: str


class ClientCreated(Event):
    """A client or prospect was added to the base."""

    TYPE = "client.created"
    type: Literal["client.created"] = "client.created"
    payload: ClientSnapshot


class ClientUpdated(Event):
    """Fields of a client were edited."""

    TYPE = "client.updated"
    type: Literal["client.updated"] = "client.updated"
    payload: ClientUpdatedPayload


class ClientBlocked(Event):
    """A client was blocked: no new orders may be taken for it."""

    TYPE = "client.blocked"
    type: Literal["client.blocked"] = "client.blocked"
    payload: ClientBlockPayload


class ClientUnblocked(Event):
    """A blocked client may order again."""

    TYPE = "client.unblocked"
    type: Literal["client.unblocked"] = "client.unblocked"
    payload: ClientBlockPayload


class ClientDeleted(Event):
    """A client was deleted; every service forgets it."""

    TYPE = "client.deleted"
    type: Literal["client.deleted"] = "client.deleted"
    payload: ClientDeletedPayload


class ClientArchived(Event):
    """A client was archived: hidden from the list and the order picker, restorable."""

    TYPE = "client.archived"
    type: Literal["client.archived"] = "client.archived"
    payload: ClientArchivePayload


class ClientRestored(Event):
    """An archived client is back in the list and the picker."""

    TYPE = "client.restored"
    type: Literal["client.restored"] = "client.restored"
    payload: ClientArchivePayload


class ClientMerged(Event):
    """Two clients became one; every service moves its references to the kept client."""

    TYPE = "client.merged"
    type: Literal["client.merged"] = "client.merged"
    payload: ClientMergedPayload


class ClientErased(Event):
    """A client's personal data was erased (GDPR); every service removes what it holds."""

    TYPE = "client.erased"
    type: Literal["client.erased"] = "client.erased"
    payload: ClientErasedPayload


class NoteAdded(Event):
    """A note was added to a client's sheet."""

    TYPE = "note.added"
    type: Literal["note.added"] = "note.added"
    payload: NotePayload


CLIENT_EVENTS: tuple[type[Event], ...] = (
    ClientCreated,
    ClientUpdated,
    ClientBlocked,
    ClientUnblocked,
    ClientDeleted,
    ClientArchived,
    ClientRestored,
    ClientMerged,
    ClientErased,
    NoteAdded,
)
