"""Query parameters of a search, for programs: each goes through the same value parser as `q`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import ConfigDict, Field

from services.clients.search.query_text import MAX_QUERY_LENGTH, QuerySyntaxError, parse_query
from services.clients.search.terms import MAX_VALUES, BadValue, Range, Term, parse_values
from shared.errors import InvalidField
from shared.schemas import StrictBody

Text = Annotated[str | None, Field(max_length=200)]
Many = Annotated[list[str], Field(max_length=MAX_VALUES)]
Count = Annotated[int | None, Field(ge=0, le=2**31 - 1)]


class SearchParams(StrictBody):
    """A search: the `q` text and structured filters, all of which must hold."""

    # Query strings carry other parameters too (tab, sort, cursor): ignore what is not a filter.
    # Every value of a query string is text: "3" must read as 3 and "true" as true here.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, strict=False)

    q: Annotated[str | None, Field(max_length=MAX_QUERY_LENGTH, description="Search text, see README")] = None
    name: Text = Field(None, description="Part of a name (client or contact), accents and case ignored")
    email: Text = Field(None, description="Part of an e-mail address (client or contact)")
    phone: Text = Field(None, description="A phone number or part of it, in any notation")
    postal_code: Many = Field(default_factory=list, description="Postal codes or their beginnings (any of)")
    department: Many = Field(default_factory=list, description="French departments: 33, 971, 2A (any of)")
    city: Many = Field(default_factory=list, description="Cities or their beginnings (any of)")
    country: Many = Field(default_factory=list, description="ISO country codes (any of)")
    category: Many = Field(default_factory=list, description="Category ids or names (any of)")
    price_grid: Many = Field(default_factory=list, description="Price grid ids or names (any of)")
    tags_any: Many = Field(default_factory=list, description="Tag ids or names; at least one of them")
    tags_all: Many = Field(default_factory=list, description="Tag ids or names; every one of them")
    tags_none: Many = Field(default_factory=list, description="Tag ids or names; none of them")
    invoice_number: Text = Field(None, description="An invoice number or part of it")
    order_number: Text = Field(None, description="An order number or part of it")
    orders_min: Count = Field(None, description="At least this many orders placed (confirmed or invoiced)")
    orders_max: Count = Field(None, description="At most this many orders placed (confirmed or invoiced)")
    total_min: Text = Field(None, description="Total invoiced at least, in euros ('1200,50')")
    total_max: Text = Field(None, description="Total invoiced at most, in euros")
    invoiced_from: Text = Field(None, description="Last invoiced on or after this day")
    invoiced_to: Text = Field(None, description="Last invoiced on or before this day")
    created_from: Text = Field(None, description="Created on or after this day")
    created_to: Text = Field(None, description="Created on or before this day")
    has_email: bool | None = None
    has_phone: bool | None = None
    has_address: bool | None = None
    accepts_emailing: bool | None = None
    accepts_mailing: bool | None = None
    blocked: bool | None = None
    status: Annotated[str | None, Field(pattern="^(client|prospect)$")] = None

    def is_empty(self) -> bool:
        """True when no filter is set: the plain list."""
        return not self.model_dump(exclude_defaults=True)

    def terms(self) -> list[Term]:
        """Every condition of this search, `q` first; 422 naming the parameter on a bad value."""
        terms: list[Term] = []
        if self.q:
            try:
                terms.extend(parse_query(self.q))
            except QuerySyntaxError as problem:
                raise SearchTextError(problem) from None
        terms.extend(self._parameter_terms())
        return terms

    def _parameter_terms(self) -> Iterator[Term]:
        single = {
            "email": "email",
            "phone": "phone",
            "invoice_number": "invoice_number",
            "order_number": "order_number",
        }
        for param, field in single.items():
            if getattr(self, param):
                yield _term(param, field, getattr(self, param))
        if self.name:
            yield from (_term("name", "name", word) for word in self.name.split())
        any_of = {
            "postal_code": "postal_code",
            "department": "department",
            "city": "city",
            "country": "country",
            "category": "category",
            "price_grid": "price_grid",
            "tags_any": "tag",
        }
        for param, field in any_of.items():
            if getattr(self, param):
                yield _term(param, field, ",".join(getattr(self, param)))
        yield from (_term("tags_all", "tag", tag) for tag in self.tags_all)
        yield from (_term("tags_none", "tag", tag, negated=True) for tag in self.tags_none)
        yield from self._ranges()
        flags = {"has_email": ("has", "email"), "has_phone": ("has", "phone"), "has_address": ("has", "address")}
        for param, (field, value) in flags.items():
            if getattr(self, param) is not None:
                yield Term(field, (value,), negated=not getattr(self, param), param=param)
        for field in ("emailing", "mailing"):
            if getattr(self, f"accepts_{field}") is not None:
                yield Term(field, (getattr(self, f"accepts_{field}"),))
        if self.blocked is not None:
            yield Term("blocked", (self.blocked,))
        if self.status:
            yield Term("status", (self.status,))

    def _ranges(self) -> Iterator[Term]:
        if self.orders_min is not None or self.orders_max is not None:
            if self.orders_min is not None and self.orders_max is not None and self.orders_min > self.orders_max:
                raise InvalidField("orders_max", "is below orders_min")
            yield Term("orders", (Range(self.orders_min, self.orders_max),))
        for field, low, high in (
            ("total", "total_min", "total_max"),
            ("invoiced", "invoiced_from", "invoiced_to"),
            ("created", "created_from", "created_to"),
        ):
            lower = _term(low, field, getattr(self, low), operator=">=").values[0] if getattr(self, low) else None
            upper = _term(high, field, getattr(self, high), operator="<=").values[0] if getattr(self, high) else None
            if lower and upper and lower.low > upper.high:
                raise InvalidField(high, f"is before {low}")
            if lower or upper:
                yield Term(field, (Range(lower.low if lower else None, upper.high if upper else None),))


def _term(param: str, field: str, raw: str, *, negated: bool = False, operator: str = ":") -> Term:
    try:
        values = parse_values(field, raw, operator=operator)
    except BadValue as problem:
        raise InvalidField(param, str(problem)) from None
    return Term(field, values, negated=negated, param=param)


class SearchBody(SearchParams):
    """A search inside a JSON body (a segment, an export): unknown fields are errors there."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class SearchTextError(InvalidField):
    """The `q` text could not be read: the problem names the position."""

    def __init__(self, problem: QuerySyntaxError) -> None:
        super().__init__("q", f"at position {problem.position}: {problem.message}")
        self.extra["errors"][0]["position"] = problem.position
