"""Which clients an action of the list acts on: the ticked rows, or every client the search matches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, QueryParams

from services.console.base.api import Api
from services.console.client_base.query import ListQuery

# The API's cap on ids in one page of the list; a segment narrowed further is resolved page by page.
ID_PAGE = 200


def as_params(form: FormData) -> QueryParams:
    """A posted form read like an address's parameters (its text fields)."""
    return QueryParams([(name, value) for name, value in form.multi_items() if isinstance(value, str)])


@dataclass(frozen=True)
class Chosen:
    """The list's view, the ticked client ids, and whether "every matching client" was chosen."""

    view: ListQuery
    client_ids: tuple[int, ...] = ()
    matching: bool = False

    @classmethod
    def from_params(cls, params: QueryParams) -> Chosen:
        """What a form of the list sent (GET parameters or a POST body read as parameters)."""
        ids = tuple(dict.fromkeys(int(v) for v in params.getlist("client_id") if v.isdigit() and int(v) > 0))
        return cls(view=ListQuery.from_params(params), client_ids=ids, matching=params.get("selection") == "matching")

    @property
    def by_ids(self) -> bool:
        """Ticked rows (unless every matching client was chosen, which wins)."""
        return bool(self.client_ids) and not self.matching

    def hidden_fields(self) -> list[tuple[str, str]]:
        """The choice as hidden fields, for the form of the next step."""
        fields = self.view.hidden_fields()
        if self.by_ids:
            fields += [("client_id", str(client_id)) for client_id in self.client_ids]
        else:
            fields.append(("selection", "matching"))
        return fields


async def matching_count(api: Api, view: ListQuery) -> tuple[int, bool]:
    """How many clients the view's tab holds, and whether the count is exact (the API counts up to a cap)."""
    page = await api.get("/api/clients", params=view.with_(cursor=None).api_params(limit=1))
    return int(page["counts"][view.tab]), bool(page["counts"].get("exact", True))


async def matching_ids(api: Api, view: ListQuery) -> list[int]:
    """Every client id of the view's tab, page after page (a segment narrowed by more filters)."""
    ids: list[int] = []
    cursor: str | None = None
    while True:
        page = await api.get("/api/clients", params=view.with_(cursor=cursor).api_params(limit=ID_PAGE))
        ids.extend(int(item["id"]) for item in page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


async def api_selection(api: Api, chosen: Chosen) -> dict[str, Any]:
    """The API's selection (ids, segment or search, with the tab) for a campaign or an export."""
    if chosen.by_ids:
        return {"client_ids": list(chosen.client_ids)}
    view = chosen.view
    search = view.search_body()
    segment_id = view.segment_id
    if segment_id is not None and search:
        # The API takes a segment or a search, not both: the clients they both select, by id.
        return {"client_ids": await matching_ids(api, view)}
    if segment_id is not None:
        return {"segment_id": segment_id, "tab": view.tab}
    if search:
        return {"search": search, "tab": view.tab}
    return {"tab": view.tab}
