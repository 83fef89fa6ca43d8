"""Bodies of selections: which clients, and their postal addresses for paper mailings and address labels."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from services.clients.base.list_order import Tab
from services.clients.base.validation import Id
from services.clients.search.params import SearchBody
from shared.schemas import INT8_MAX, StrictBody

MAX_CLIENT_IDS = 100_000
MAX_URL_CLIENT_IDS = 1_000  # in a query string; longer lists go in a POST body
MAX_PAGE = 1_000


class Selection(StrictBody):
    """Which clients: at most one of search, segment_id and client_ids; none means the whole base."""

    search: SearchBody | None = None
    segment_id: Id | None = None
    client_ids: Annotated[list[Id] | None, Field(max_length=MAX_CLIENT_IDS)] = None
    tab: Tab = "all"

    @model_validator(mode="after")
    def _one_way_in(self) -> Selection:
        given = [name for name in ("search", "segment_id", "client_ids") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of search, segment_id and client_ids, not {' and '.join(given)}")
        return self


class AddressesRequest(StrictBody):
    """Which clients, and the page wanted (keyset on the client id)."""

    selection: Selection = Field(default_factory=Selection)
    after_id: Annotated[int, Field(ge=0, le=INT8_MAX)] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = MAX_PAGE


class PostalRecipient(BaseModel):
    """A client of the selection with what a letter or a label needs."""

    client_id: int
    display_name: str
    kind: str
    title: str | None
    first_name: str | None
    last_name: str | None
    company_name: str | None
    accepts_mailing: bool
    address: dict[str, str | None]


class AddressesPage(BaseModel):
    """A page of recipients in client id order, and where the next page starts."""

    items: list[PostalRecipient]
    next_after_id: int | None
