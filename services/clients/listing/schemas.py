"""Response bodies of the client base list."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from services.clients.base.schemas import LastInvoicedOrder


class Location(BaseModel):
    """Where a client is, as the list shows it."""

    postal_code: str | None
    city: str | None
    country_code: str | None


class ClientListRow(BaseModel):
    """One row of the client base list."""

    id: int
    display_name: str
    location: Location
    last_invoiced_order: LastInvoicedOrder | None
    invoiced_orders_count: int
    invoiced_total_cents: int
    currency: str = "EUR"
    status: Literal["client", "prospect"]


class TabCounts(BaseModel):
    """How many rows each tab holds; for a search, how many match (counted up to 1,000)."""

    all: int
    clients: int
    prospects: int
    exact: bool = Field(True, description="False when a search matched more than 1,000: the counts are floors")


class ClientPage(BaseModel):
    """A page of the client list, the tab counts and the cursor of the next page."""

    items: list[ClientListRow]
    counts: TabCounts
    sort: str = Field(
        description="The order used: 'relevance' (the words of the search, best first, then by name) or the sort key"
    )
    next_cursor: str | None
