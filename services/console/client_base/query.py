"""What the client list shows: tab, sort, page and search, read from the page's address and passed on to the API."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

TABS = ("all", "clients", "prospects")
# Column → the API's sort key.
SORTS = ("name", "location", "last_invoiced_at", "invoiced_orders", "total_invoiced", "created_at", "relevance")
# The API's search parameters the filter panel sets; passed on as they are (the API checks them).
FILTER_PARAMETERS = (
    "name",
    "email",
    "phone",
    "postal_code",
    "department",
    "city",
    "country",
    "category",
    "price_grid",
    "tags_any",
    "tags_all",
    "tags_none",
    "invoice_number",
    "order_number",
    "orders_min",
    "orders_max",
    "total_min",
    "total_max",
    "invoiced_from",
    "invoiced_to",
    "created_from",
    "created_to",
    "has_email",
    "has_phone",
    "has_address",
    "accepts_emailing",
    "accepts_mailing",
    "blocked",
    "segment_id",
)
PAGE_SIZE = 50
# How the search of a JSON body (segment, export, campaign) types each filter; the others are text.
LIST_FILTERS = frozenset(
    ("postal_code", "department", "city", "country", "category", "price_grid", "tags_any", "tags_all", "tags_none")
)
INTEGER_FILTERS = frozenset(("orders_min", "orders_max"))
BOOLEAN_FILTERS = frozenset(("has_email", "has_phone", "has_address", "accepts_emailing", "accepts_mailing", "blocked"))


@dataclass(frozen=True)
class ListQuery:
    """One view of the client list."""

    tab: str = "all"
    sort: str | None = None
    direction: str = "asc"
    cursor: str | None = None
    q: str = ""
    filters: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def from_params(cls, params: QueryParams) -> ListQuery:
        """The view an address names; unknown values fall back to the defaults."""
        tab = params.get("tab", "all")
        sort = params.get("sort") or None
        direction = params.get("direction", "asc")
        filters = tuple(
            (name, value.strip())
            for name in FILTER_PARAMETERS
            for value in params.getlist(name)
            if value.strip() and value.strip() != "any"
        )
        return cls(
            tab=tab if tab in TABS else "all",
            sort=sort if sort in SORTS else None,
            direction=direction if direction in ("asc", "desc") else "asc",
            cursor=params.get("cursor") or None,
            q=(params.get("q") or "").strip()[:1000],
            filters=filters,
        )

    def api_params(self, *, limit: int = PAGE_SIZE) -> list[tuple[str, str]]:
        """The parameters of GET /api/clients for this view."""
        params: list[tuple[str, str]] = [("tab", self.tab), ("direction", self.direction), ("limit", str(limit))]
        if self.sort:
            params.append(("sort", self.sort))
        if self.cursor:
            params.append(("cursor", self.cursor))
        if self.q:
            params.append(("q", self.q))
        return params + list(self.filters)

    def selection_params(self) -> list[tuple[str, str]]:
        """The search part alone (no tab, sort or page): what "every client that matches" means."""
        return ([("q", self.q)] if self.q else []) + list(self.filters)

    def with_(self, **changes: object) -> ListQuery:
        """The same view with some parts changed (a new page starts at the first row)."""
        if "cursor" not in changes:
            changes["cursor"] = None
        return replace(self, **changes)  # type: ignore[arg-type]

    def url(self, **changes: object) -> str:
        """The address of this view with some parts changed."""
        view = self.with_(**changes) if changes else self
        params: list[tuple[str, str]] = []
        if view.tab != "all":
            params.append(("tab", view.tab))
        if view.q:
            params.append(("q", view.q))
        if view.sort:
            params.append(("sort", view.sort))
        if view.direction != "asc":
            params.append(("direction", view.direction))
        params.extend(view.filters)
        if view.cursor:
            params.append(("cursor", view.cursor))
        return "/clients" + (f"?{urlencode(params)}" if params else "")

    def sort_url(self, column: str, current: str | None = None) -> str:
        """The address that sorts by a column, or turns its order around when it is the sort already."""
        if (current or self.sort) == column:
            return self.url(sort=column, direction="desc" if self.direction == "asc" else "asc")
        return self.url(
            sort=column,
            direction="desc" if column in ("total_invoiced", "invoiced_orders", "last_invoiced_at") else "asc",
        )

    @property
    def segment_id(self) -> int | None:
        """The saved search the view applies, if any."""
        value = self.filter_value("segment_id")
        return int(value) if value.isdigit() else None

    def search_body(self) -> dict[str, object]:
        """The search part as a JSON body types it (a segment's, an export's, a campaign's), segment aside."""
        body: dict[str, object] = {"q": self.q} if self.q else {}
        for name, value in self.filters:
            if name == "segment_id":
                continue
            if name in LIST_FILTERS:
                values = body.setdefault(name, [])
                assert isinstance(values, list)
                values.append(value)
            elif name in INTEGER_FILTERS:
                # Not a number: sent as written, so that the API names the field in its 422.
                body[name] = int(value) if value.isdigit() else value
            elif name in BOOLEAN_FILTERS:
                body[name] = {"true": True, "false": False}.get(value, value)
            else:
                body[name] = value
        return body

    def hidden_fields(self) -> list[tuple[str, str]]:
        """The view as hidden fields of another form (no page): a POST that must know the search."""
        fields: list[tuple[str, str]] = [("tab", self.tab)]
        if self.q:
            fields.append(("q", self.q))
        if self.sort:
            fields.append(("sort", self.sort))
        if self.direction != "asc":
            fields.append(("direction", self.direction))
        return fields + list(self.filters)

    def url_without(self, name: str) -> str:
        """The address of this view without one filter (a segment to leave, say)."""
        return self.url(filters=tuple((key, value) for key, value in self.filters if key != name))

    @property
    def panel_filters(self) -> int:
        """How many filters of the panel are set (the segment is not one)."""
        return sum(1 for key, _ in self.filters if key != "segment_id")

    def filter_values(self, name: str) -> list[str]:
        """Every value of a filter (ticked boxes)."""
        return [value for key, value in self.filters if key == name]

    def filter_value(self, name: str) -> str:
        """The first value of a filter, for the panel's field."""
        return next((value for key, value in self.filters if key == name), "")
