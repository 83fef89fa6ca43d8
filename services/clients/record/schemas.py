"""Request bodies of a client's record: the fields it is created or edited with, a blocking reason."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.clients.base.schemas import Address, Email, Strict
from services.clients.base.validation import (
    AccountingCodeText,
    Id,
    LegalFormText,
    Note,
    Phone,
    SirenText,
    SiretText,
    Text30,
    Text100,
    Text200,
    Text500,
    VatNumberText,
)


class ClientFields(Strict):
    """Fields a client is created or edited with."""

    multiline = frozenset({"note"})

    kind: Literal["person", "company"] | None = Field(
        default=None, description="Inferred from company_name when omitted"
    )
    title: Text30
    first_name: Text100
    last_name: Text100
    company_name: Text200
    email: Email
    phone: Phone
    mobile: Phone
    billing_address: Address | None = None
    shipping_same_as_billing: bool | None = None
    shipping_address: Address | None = None
    category_id: Id | None = None
    price_grid_id: Id | None = Field(default=None, description="A price grid of the orders service")
    tag_ids: list[Id] | None = Field(default=None, max_length=50)
    accounting_code: AccountingCodeText
    accepts_emailing: bool | None = None
    accepts_mailing: bool | None = None
    note: Note
    show_note_on_orders: bool | None = None
    # A company's identifiers, printed on its invoices; a private person has none.
    legal_form: LegalFormText = Field(default=None, description="A company's legal form: SARL, SAS, EARL, SCEA...")
    siren: SirenText = Field(default=None, description="A company's SIREN; spaces and dots are dropped")
    siret: SiretText = Field(
        default=None, description="The SIRET of the establishment invoiced; it starts with the SIREN"
    )
    vat_number: VatNumberText = Field(
        default=None, description="Intra-EU VAT number, country prefix first; a French one holds the SIREN"
    )


class ClientCreate(ClientFields):
    """A new client or prospect."""


class ClientUpdate(ClientFields):
    """A partial edit: only the fields present are changed; null clears optional ones."""


class BlockRequest(Strict):
    """Why a client is blocked."""

    multiline = frozenset({"reason"})

    reason: Text500
