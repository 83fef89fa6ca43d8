"""Request and response bodies of the campaign routes (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from services.mailings.schema_types import Id, Name
from shared.schemas import StrictBody


class Selection(StrictBody):
    """Which clients: a search (any list query parameter), a saved segment or ids; checked by the clients service."""

    search: dict[str, Any] | None = None
    segment_id: Id | None = None
    client_ids: Annotated[list[Id] | None, Field(min_length=1, max_length=100_000)] = None
    tab: Annotated[str, Field(max_length=20)] = "all"


class CampaignCreate(StrictBody):
    """A campaign to create: its name and whom it goes to (resolved and kept now)."""

    name: Name
    selection: Selection


class CampaignUpdate(StrictBody):
    """Fields to change; merge fields such as {{first_name}} are allowed in the title and the text."""

    multiline = frozenset({"text"})

    name: Name | None = None
    title: Annotated[str, Field(max_length=300)] | None = None
    text: Annotated[str, Field(max_length=20_000)] | None = None


class BackgroundRead(BaseModel):
    """A campaign's background image."""

    mime_type: str
    width: int
    height: int
    size: int


class CampaignRead(BaseModel):
    """A campaign: its text, its status (draft, printed) and how many clients it reaches or leaves out."""

    id: int
    name: str
    title: str
    text: str
    status: Literal["draft", "printed"]
    selection: dict[str, Any]
    recipients: int
    excluded: int
    background: BackgroundRead | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    printed_at: datetime | None
    href: str


class CampaignPage(BaseModel):
    """A page of campaigns, newest first, and the next page's link."""

    items: list[CampaignRead]
    next: str | None


class AddressBlock(BaseModel):
    """A postal address as kept in a campaign's snapshot."""

    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country_code: str | None = None


class RecipientRead(BaseModel):
    """A recipient as snapshotted when the campaign was created, in print order."""

    position: int
    client_id: int
    display_name: str
    kind: str
    title: str | None
    first_name: str | None
    last_name: str | None
    company_name: str | None
    address: AddressBlock


class RecipientPage(BaseModel):
    """A page of recipients and the next page's link."""

    items: list[RecipientRead]
    next: str | None


class ExclusionRead(BaseModel):
    """A client of the selection left out: refuses_mailing, no_address or undeliverable (with the detail)."""

    client_id: int
    display_name: str
    reason: Literal["refuses_mailing", "no_address", "undeliverable"]
    detail: str | None


class ExclusionPage(BaseModel):
    """A page of left-out clients and the next page's link."""

    items: list[ExclusionRead]
    next: str | None
