"""Base clients: the list with its tabs, sorting, paging, search as you type and filter panel."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.base.web import ApiClient, csrf_protect, is_htmx
from services.console.client_base.actions import router as actions_router
from services.console.client_base.exports import router as exports_router
from services.console.client_base.listing import show_list
from services.console.client_base.new_client import router as new_client_router
from services.console.client_base.query import ListQuery
from services.console.client_base.segments import router as segments_router

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/clients")
async def client_list(request: Request, api: ApiClient) -> Response:
    """The client base: one tab, sorted, one page, filtered; the results alone for htmx."""
    view = ListQuery.from_params(request.query_params)
    response = await show_list(request, api, view)
    if is_htmx(request):
        # The search form sends every field of the panel, empty ones too: the address kept is the short one.
        response.headers["HX-Push-Url"] = view.url()
    return response


# Fixed addresses (/clients/nouveau, /clients/segments…) before the sheet's /clients/{client_id}.
for _router in (new_client_router, segments_router, actions_router, exports_router):
    router.include_router(_router)
