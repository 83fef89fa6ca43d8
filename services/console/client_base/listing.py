"""The list page itself: the results for a view, with the filter panel's choices and the saved segments."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.console.base.api import Api, ApiError, unless_unavailable
from services.console.base.web import is_htmx, render
from services.console.client_base.query import ListQuery

EMPTY_PAGE: dict[str, Any] = {
    "items": [],
    "counts": {"all": 0, "clients": 0, "prospects": 0, "exact": True},
    "next_cursor": None,
    "sort": "name",
}


async def panel_choices(api: Api) -> dict[str, Any]:
    """What the filter panel and the segment list offer: categories, price grids, tags, saved segments."""
    categories, grids, tags, segments = await asyncio.gather(
        api.get("/api/clients/categories"),
        # Orders being down should not take the client base with it: no grid to filter by meanwhile.
        unless_unavailable(api.get("/api/orders/price-grids"), default=[]),
        api.get("/api/clients/tags"),
        api.get("/api/clients/segments"),
    )
    return {"categories": categories, "price_grids": grids, "tags": tags, "segments": segments}


def _abandon(choices: asyncio.Future[dict[str, Any]] | None) -> None:
    # The page fails anyway: stop asking for its panels, and never leave their failure unretrieved.
    if choices is not None:
        choices.cancel()
        choices.add_done_callback(lambda done: done.cancelled() or done.exception())


async def show_list(
    request: Request,
    api: Api,
    view: ListQuery,
    *,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The list for a view: the results alone for htmx, else the whole page with its panels."""
    search_error = None
    filter_errors: dict[str, str] = {}
    whole_page = not (is_htmx(request) and request.headers.get("hx-target") == "client-results")
    # A whole page also needs the panels' choices: asked for beside the list, not after it.
    choices = asyncio.ensure_future(panel_choices(api)) if whole_page else None
    try:
        page = await api.get("/api/clients", params=view.api_params())
    except ApiError as refused:
        if refused.status not in (404, 422):
            _abandon(choices)
            raise
        # A search or a filter the API does not accept (or a segment since deleted): say why, show nothing.
        search_error = refused.detail
        filter_errors = refused.field_errors()
        page = EMPTY_PAGE
    except BaseException:
        _abandon(choices)
        raise
    # The API names the order it used; its name orders (first or last name first) are one column here.
    used = view.sort or page["sort"]
    current_sort = "name" if used in ("first_name", "last_name") else used
    values: dict[str, Any] = {
        "section": "clients",
        "view": view,
        "page": page,
        "current_sort": current_sort,
        "search_error": search_error,
        "filter_errors": filter_errors,
        **(context or {}),
    }
    if choices is None:
        return render(request, "client_base/results.html", values, status_code=status_code)
    values.update(await choices)
    segment_id = view.segment_id
    values["segment"] = next((s for s in values["segments"] if s["id"] == segment_id), None)
    return render(request, "client_base/list.html", values, status_code=status_code)
