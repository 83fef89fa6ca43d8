"""Segments: the list's search saved under a name, reopened, renamed or deleted."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.web import ApiClient, csrf_protect, render, require_role
from services.console.client_base.listing import show_list
from services.console.client_base.query import ListQuery
from services.console.client_base.selection import as_params

router = APIRouter(dependencies=[Depends(csrf_protect)])


async def saved_search(api: Api, view: ListQuery) -> dict[str, Any]:
    """The search to save: the view's, on top of the segment it is narrowing if any."""
    search = view.search_body()
    if view.segment_id is None:
        return search
    base: dict[str, Any] = dict((await api.get(f"/api/clients/segments/{view.segment_id}"))["search"])
    words = " ".join(str(text) for text in (base.get("q"), search.pop("q", None)) if text)
    base.update(search)
    if words:
        base["q"] = words
    return base


@router.post("/clients/segments")
async def save_segment(request: Request, api: ApiClient) -> Response:
    """Save the list's search and filters under a name; reopen the list on it."""
    require_role(request, "staff")
    form = await request.form()
    view = ListQuery.from_params(as_params(form))
    name = str(form.get("segment_name") or "").strip()
    try:
        segment = await api.post("/api/clients/segments", json={"name": name, "search": await saved_search(api, view)})
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        errors = refused.field_errors()
        name_error = errors.pop("name", None) or (None if errors else refused.detail)
        # The name is this form's field; what the API says of the search is listed above it.
        context = {
            "segment_name": name,
            "segment_taken": refused.status == 409,
            "segment_errors": {"segment_name": name_error} if name_error else {},
            "segment_search_errors": errors,
            "segment_open": True,
        }
        return await show_list(request, api, view, context=context, status_code=refused.status)
    return RedirectResponse(f"/clients?segment_id={segment['id']}", status_code=303)


@router.get("/clients/segments")
async def segment_list(request: Request, api: ApiClient) -> Response:
    """The saved segments, each to reopen, rename or delete."""
    segments = await api.get("/api/clients/segments")
    return render(request, "client_base/segments.html", {"section": "clients", "segments": segments})


async def _rename_page(
    request: Request,
    segment: dict[str, Any],
    *,
    name: str,
    errors: dict[str, str] | None = None,
    taken: bool = False,
    status_code: int = 200,
) -> Response:
    context = {"section": "clients", "segment": segment, "name": name, "errors": errors or {}, "taken": taken}
    return render(request, "client_base/segment_rename.html", context, status_code=status_code)


@router.get("/clients/segments/{segment_id}/renommer")
async def rename_form(request: Request, api: ApiClient, segment_id: int) -> Response:
    """The form that renames a segment."""
    require_role(request, "staff")
    segment = await api.get(f"/api/clients/segments/{segment_id}")
    return await _rename_page(request, segment, name=segment["name"])


@router.post("/clients/segments/{segment_id}/renommer")
async def rename_segment(request: Request, api: ApiClient, segment_id: int) -> Response:
    """Rename a segment; a name already used or empty is said beside the field."""
    require_role(request, "staff")
    form = await request.form()
    name = str(form.get("name") or "").strip()
    try:
        await api.patch(f"/api/clients/segments/{segment_id}", json={"name": name})
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        segment = await api.get(f"/api/clients/segments/{segment_id}")
        errors = refused.field_errors() or {"name": refused.detail}
        return await _rename_page(
            request, segment, name=name, errors=errors, taken=refused.status == 409, status_code=refused.status
        )
    return RedirectResponse("/clients/segments", status_code=303)


@router.post("/clients/segments/{segment_id}/supprimer")
async def delete_segment(request: Request, api: ApiClient, segment_id: int) -> Response:
    """Delete a saved segment (the clients it selected stay)."""
    require_role(request, "staff")
    await api.delete(f"/api/clients/segments/{segment_id}")
    return RedirectResponse("/clients/segments", status_code=303)
