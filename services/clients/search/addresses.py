"""A selection's postal addresses, for the mailings service's paper campaigns (F20, F21)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.list_queries import listed
from services.clients.search import repository
from services.clients.search.selection import Selection, selection_conditions
from services.clients.service import account_of
from services.clients.views import address_of, name_of
from shared.auth import Principal
from shared.schemas import INT8_MAX, StrictBody

MAX_PAGE = 1_000


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


async def selection_addresses(
    session: AsyncSession, *, principal: Principal, request: AddressesRequest
) -> dict[str, Any]:
    """The live clients of a selection with their billing address, one page at a time."""
    account = await account_of(session, principal)
    selection = request.selection
    conditions, _ = await selection_conditions(
        session, account_id=account.id, timezone=account.timezone, selection=selection
    )
    clients = await repository.addresses_page(
        session,
        where=listed(account.id, selection.tab, conditions),
        after_id=request.after_id or 0,
        limit=request.limit,
    )
    order = account.name_order
    items = [
        {
            "client_id": c.id,
            "display_name": name_of(c, order),
            "kind": c.kind,  # type: ignore[arg-type]
            "title": c.title,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "company_name": c.company_name,
            "accepts_mailing": c.accepts_mailing,
            "address": address_of(c, "billing"),
        }
        for c in clients
    ]
    more = len(clients) == request.limit
    return {"items": items, "next_after_id": clients[-1].id if more and clients else None}
