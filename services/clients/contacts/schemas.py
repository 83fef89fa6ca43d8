"""Bodies of a client's contacts and of the recipients of its documents."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from services.clients.base.schemas import Email, Strict
from services.clients.base.validation import Phone, Text30, Text100


class ContactFields(Strict):
    """A person at a client and the documents they receive."""

    title: Text30
    first_name: Text100
    last_name: Text100
    job_title: Text100
    email: Email
    phone: Phone
    mobile: Phone
    receives_quotes: bool | None = None
    receives_proforma: bool | None = None
    receives_invoices: bool | None = None
    receives_dunning: bool | None = None


class ContactRead(BaseModel):
    """A contact as stored."""

    id: int
    client_id: int
    title: str | None
    first_name: str | None
    last_name: str | None
    job_title: str | None
    email: str | None
    phone: str | None
    mobile: str | None
    receives_quotes: bool
    receives_proforma: bool
    receives_invoices: bool
    receives_dunning: bool


class RecipientRead(BaseModel):
    """Who receives a kind of document for a client."""

    name: str
    email: str
    source: Literal["contact", "client"]
    contact_id: int | None


class RecipientsByDocument(BaseModel):
    """Who receives each kind of document for a client (the same rule as one kind at a time)."""

    quotes: list[RecipientRead]
    proforma: list[RecipientRead]
    invoices: list[RecipientRead]
    dunning: list[RecipientRead]
