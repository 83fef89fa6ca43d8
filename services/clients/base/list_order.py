"""Which clients the list shows and in what order: shared by the list, its exports and selections."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import BigInteger, ColumnElement, any_, cast, literal
from sqlalchemy.dialects.postgresql import ARRAY

from services.clients.models import LIST_SORT_COLUMNS, Client

Tab = Literal["all", "clients", "prospects"]
SortKey = Literal[
    "relevance",
    "name",
    "first_name",
    "last_name",
    "created_at",
    "total_invoiced",
    "invoiced_orders",
    "last_invoiced_at",
    "location",
]
Direction = Literal["asc", "desc"]
SORT_DESCRIPTION = (
    "'name' follows the account's first/last-name setting; 'relevance' puts the clients that match "
    "the words of q best first (a field equal to a word, then one beginning with it, then one "
    "containing it; ties by name), when the search has at most 1,000 matches, else it is the name "
    "order. 'location' is the billing country, then postal code, then city (unaccented, lower-case); "
    "clients with neither a postal code nor a city come last in ascending order, first in descending. "
    "Default: relevance for a search with words, else name."
)
TAB_STATUS = {"clients": "client", "prospects": "prospect"}


@dataclass(frozen=True, slots=True)
class Ordering:
    """How a page is ordered: an indexed sort key, after a search's relevance score (best first) if any."""

    sort: str  # a key of LIST_SORT_COLUMNS
    direction: Direction
    score: ColumnElement[int] | None = None

    @property
    def name(self) -> str:
        """What cursors and answers call this order."""
        return "relevance" if self.score is not None else self.sort

    def order_by(self) -> list[Any]:
        """ORDER BY terms, the id last so that every row has its own place."""
        key = LIST_SORT_COLUMNS[self.sort]
        keyed = [key.asc(), Client.id.asc()] if self.direction == "asc" else [key.desc(), Client.id.desc()]
        return keyed if self.score is None else [self.score.desc(), *keyed]


def listed(
    account_id: uuid.UUID, tab: Tab, conditions: Sequence[ColumnElement[bool]] = ()
) -> list[ColumnElement[bool]]:
    """What puts a client in the list: its account, not deleted, the tab, and the search."""
    where = [Client.account_id == account_id, Client.deleted_at.is_(None), *conditions]
    if tab != "all":
        where.append(Client.status == TAB_STATUS[tab])
    return where


def id_is_any_of(ids: Sequence[int]) -> ColumnElement[bool]:
    """`clients.id = ANY($1)`: one array parameter, however many ids (a driver allows 32,767 parameters)."""
    return Client.id == any_(cast(literal(list(ids), ARRAY(BigInteger)), ARRAY(BigInteger)))
