"""Compile search terms into SQL conditions on clients: every value is a bound parameter."""

from __future__ import annotations

import functools
import operator
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, any_, case, func, literal, literal_column, not_, or_, select

from services.clients.models import LIST_SORT_COLUMNS, Client, ClientInvoice, ClientOrder, ClientTag
from services.clients.search.terms import AnyText, Range, Term

Clause = ColumnElement[bool]
LAST_INVOICED = LIST_SORT_COLUMNS["last_invoiced_at"]
NEVER: ColumnElement[datetime] = literal_column("'-infinity'::timestamptz")


def _contains(column: Any, value: str) -> Clause:
    return column.contains(value, autoescape=True)


def _email_holding(value: str) -> Clause:
    """A client or contact e-mail holding the value.

    The domains of most addresses share their trigrams ('example.fr'): for an address, the index
    looks for its local part only and the few rows found are checked for the whole of it (a full
    address in a million clients: 31 ms to 7 ms).
    """
    local, at, domain = value.partition("@")
    if at and len(local) >= 3 and domain:
        return and_(_contains(Client.search_emails, local + "@"), func.strpos(Client.search_emails, value) > 0)
    return _contains(Client.search_emails, value)


def _prefix(column: Any, value: str) -> Clause:
    # A range, not LIKE: it uses the index whatever the plan cache decides about parameters.
    upper = value[:-1] + chr(ord(value[-1]) + 1)
    return and_(column >= value, column < upper)


def _postal_prefix(value: str) -> Clause:
    return _prefix(Client.billing_postal_code, value)


def _literally(value: str) -> str:
    """The value as a LIKE pattern that matches only itself: its own % and _ are plain characters."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _holding(column: Any, value: str) -> Clause:
    """ILIKE '%value%', case aside."""
    return column.ilike(f"%{_literally(value)}%", escape="\\")


def _equal_ignoring_case(column: Any, value: str) -> Clause:
    """ILIKE 'value': equality case aside, in a form the trigram indexes serve (upper(column) = ... is not)."""
    return column.ilike(_literally(value), escape="\\")


def _reference(model: Any, column: Any) -> Callable[[uuid.UUID, str], Clause]:
    def clause(account_id: uuid.UUID, value: str) -> Clause:
        return Client.id.in_(select(model.client_id).where(model.account_id == account_id, _holding(column, value)))

    return clause


_invoice_number = _reference(ClientInvoice, ClientInvoice.invoice_number)
_order_number = _reference(ClientOrder, ClientOrder.order_number)


def _numbered(account_id: uuid.UUID, matches: Callable[[Any], Clause]) -> Any:
    """The clients with an order or an invoice whose number matches."""
    return (
        select(ClientInvoice.client_id)
        .where(ClientInvoice.account_id == account_id, matches(ClientInvoice.invoice_number))
        .union(
            select(ClientOrder.client_id).where(ClientOrder.account_id == account_id, matches(ClientOrder.order_number))
        )
    )


def _anywhere(account_id: uuid.UUID, value: AnyText) -> Clause:
    """A word of the search box: any field it may come from, each through its own index."""
    mine = Client.account_id == account_id  # repeated in each branch so that the composite indexes serve it
    branches = [_email_holding(value.email)]
    if value.words:
        branches += [
            _contains(Client.search_names, value.words),
            and_(mine, _prefix(Client.search_city, value.words)),
            and_(mine, _prefix(Client.accounting_code, value.code)),
        ]
    if value.phone:
        branches.append(_contains(Client.search_phones, value.phone))
    if value.postal_code:
        branches.append(and_(mine, _postal_prefix(value.postal_code)))
    reference = value.reference
    if reference:
        # = ANY(ARRAY(...)), not IN: evaluated once, it joins the other branches in a BitmapOr
        # instead of forcing a scan of every client of the account.
        numbered = _numbered(account_id, lambda number: _holding(number, reference))
        branches.append(Client.id == any_(func.array(numbered.scalar_subquery())))
    return or_(*branches)


def _numbered_exactly(account_id: uuid.UUID, reference: str) -> Clause:
    """Whether the client has an order or an invoice of this very number (case aside).

    Probed client by client through the (account, client) indexes: a score is computed for the few
    matches of a page, where two trigram searches of the whole order tables cost 20 ms.
    """

    def owns(model: Any, number: Any) -> Clause:
        return (
            select(model.client_id)
            .where(
                model.account_id == account_id, model.client_id == Client.id, _equal_ignoring_case(number, reference)
            )
            .exists()
        )

    return or_(owns(ClientInvoice, ClientInvoice.invoice_number), owns(ClientOrder, ClientOrder.order_number))


def _listed_value(column: Any, value: str, separator: str) -> tuple[Clause, Clause]:
    """(equal, beginning): the value is one of the column's separated items, or begins one."""
    padded = literal(separator) + column
    return (padded + literal(separator)).contains(separator + value + separator, autoescape=True), padded.contains(
        separator + value, autoescape=True
    )


def _score(account_id: uuid.UUID, value: AnyText) -> ColumnElement[int]:
    """3 when a field equals the word, 2 when one begins with it, 1 when one only contains it."""
    pairs = [_listed_value(Client.search_emails, value.email, " | ")]
    if value.words:
        pairs += [
            _listed_value(Client.search_names, value.words, " "),
            (Client.search_city == value.words, _prefix(Client.search_city, value.words)),
            (Client.accounting_code == value.code, _prefix(Client.accounting_code, value.code)),
        ]
    if value.phone:
        pairs.append(_listed_value(Client.search_phones, value.phone, " | "))
    if value.postal_code:
        pairs.append((Client.billing_postal_code == value.postal_code, _postal_prefix(value.postal_code)))
    equal = [whole for whole, _ in pairs]
    if value.reference:
        equal.append(_numbered_exactly(account_id, value.reference))
    return case((or_(*equal), 3), (or_(*(start for _, start in pairs)), 2), else_=1)


def relevance(terms: Sequence[Term], *, account_id: uuid.UUID) -> ColumnElement[int] | None:
    """How well a client matches the words of a search, higher first; None when it has no words."""
    scores = [
        _score(account_id, value) for term in terms if term.field == "any" and not term.negated for value in term.values
    ]
    return functools.reduce(operator.add, scores) if scores else None


def _tagged(tag_ids: Sequence[int]) -> Clause:
    # EXISTS, not IN: walking a sorted index, the planner probes client_tags' primary key per row
    # instead of hashing every client that carries a common tag.
    return select(ClientTag.tag_id).where(ClientTag.client_id == Client.id, ClientTag.tag_id.in_(tag_ids)).exists()


def _between(column: Any, bounds: Range) -> Clause:
    parts = []
    if bounds.low is not None:
        parts.append(column >= bounds.low)
    if bounds.high is not None:
        parts.append(column <= bounds.high)
    return and_(*parts)


def _between_days(column: Any, bounds: Range, zone: ZoneInfo) -> Clause:
    """Days in the account's time zone, so 'invoiced:2026-03-31' means that day in Paris."""

    def start(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone)

    parts = []
    if bounds.low is not None:
        parts.append(column >= start(bounds.low))
    if bounds.high is not None:
        parts.append(column < start(bounds.high + timedelta(days=1)))
    return and_(*parts)


_HAS: dict[str, Clause] = {
    "email": Client.search_emails != "",
    "phone": Client.search_phones != "",
    "address": and_(
        Client.billing_line1.is_not(None), Client.billing_postal_code.is_not(None), Client.billing_city.is_not(None)
    ),
}


# Fields whose column may be NULL (the others are NOT NULL columns or EXISTS tests).
NULLABLE_FIELDS = {"postal_code", "department", "category", "price_grid"}


def _flag(column: Any, value: bool) -> Clause:
    # "blocked", not "blocked IS true": only the plain form matches a partial index's predicate.
    return column if value else not_(column)


def _one_value(term: Term, value: Any, *, account_id: uuid.UUID, zone: ZoneInfo) -> Clause:
    match term.field:
        case "any":
            return _anywhere(account_id, value)
        case "name":
            return _contains(Client.search_names, value)
        case "email":
            return _email_holding(value)
        case "phone":
            return _contains(Client.search_phones, value)
        case "postal_code" | "department":
            return _postal_prefix(value)
        case "city":
            return _prefix(Client.search_city, value)
        case "invoice_number":
            return _invoice_number(account_id, value)
        case "order_number":
            return _order_number(account_id, value)
        case "orders":
            return _between(Client.placed_orders_count, value)
        case "total":
            return _between(Client.invoiced_total_cents, value)
        case "invoiced":
            # The indexed sort key (prospects sort as -infinity); strictly above it means "ever invoiced".
            return and_(_between_days(LAST_INVOICED, value, zone), LAST_INVOICED > NEVER)
        case "created":
            return _between_days(Client.created_at, value, zone)
        case "has":
            return _HAS[value]
        case "emailing":
            return _flag(Client.accepts_emailing, value)
        case "mailing":
            return _flag(Client.accepts_mailing, value)
        case "blocked":
            return _flag(Client.blocked, value)
    raise AssertionError(f"no SQL for field {term.field}")


def _clause(term: Term, *, account_id: uuid.UUID, zone: ZoneInfo) -> Clause:
    values = list(term.values)
    if term.field == "country":
        clause: Clause = Client.billing_country.in_(values)
    elif term.field == "category":
        clause = Client.category_id.in_(values)
    elif term.field == "price_grid":
        clause = Client.price_grid_id.in_(values)
    elif term.field == "tag":
        clause = _tagged(values)
    elif term.field == "status":
        clause = Client.status.in_(values)
    else:
        clause = or_(*(_one_value(term, value, account_id=account_id, zone=zone) for value in values))
    if not term.negated:
        return clause
    # A plain NOT lets the planner turn NOT EXISTS into an anti-join; on a nullable column it would
    # also drop the rows without a value, so '-cp:33' says IS NOT TRUE and keeps those.
    return clause.is_not(True) if term.field in NULLABLE_FIELDS else not_(clause)


def conditions(terms: Sequence[Term], *, account_id: uuid.UUID, timezone: str) -> list[Clause]:
    """The WHERE conditions of a search whose category and tag names are resolved to ids."""
    zone = ZoneInfo(timezone)
    return [_clause(term, account_id=account_id, zone=zone) for term in terms]
