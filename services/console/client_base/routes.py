"""Base clients: the list with its tabs, sorting, paging and search as you type."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.base.api import ApiError
from services.console.base.web import ApiClient, csrf_protect, is_htmx, render
from services.console.client_base.query import ListQuery

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/clients")
async def client_list(request: Request, api: ApiClient) -> Response:
    """The client base: one tab, sorted, one page; the results alone for htmx."""
    view = ListQuery.from_params(request.query_params)
    search_error = None
    try:
        page = await api.get("/api/clients", params=view.api_params())
    except ApiError as refused:
        if refused.status != 422:
            raise
        # A query the search language does not accept: say why beside the box, show nothing.
        search_error = refused.detail
        page = {
            "items": [],
            "counts": {"all": 0, "clients": 0, "prospects": 0, "exact": True},
            "next_cursor": None,
            "sort": "name",
        }
    # The API names the order it used; its name orders (first or last name first) are one column here.
    used = view.sort or page["sort"]
    current_sort = "name" if used in ("first_name", "last_name") else used
    context = {
        "section": "clients",
        "view": view,
        "page": page,
        "current_sort": current_sort,
        "search_error": search_error,
    }
    if is_htmx(request) and request.headers.get("hx-target") == "client-results":
        return render(request, "client_base/results.html", context)
    return render(request, "client_base/list.html", context)
