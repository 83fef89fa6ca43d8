"""Fusionner: find the duplicate, preview the merge field by field, settle the conflicts, merge."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, is_htmx, render, require_role
from services.console.client_sheet.frame import load_sheet

router = APIRouter(dependencies=[Depends(csrf_protect)])
CHOICE_PREFIX = "choose."


async def _candidates(api: Api, *, client_id: int, q: str) -> list[dict[str, Any]]:
    if not q.strip():
        return []
    try:
        page = await api.get("/api/clients", params={"q": q, "limit": 10})
    except ApiError as refused:
        if refused.status != 422:
            raise
        return []
    return [client for client in page["items"] if client["id"] != client_id]


def choices_of(values: dict[str, str]) -> dict[str, str]:
    """The side chosen for each conflicting field, from the form's choose.<field> radio buttons."""
    return {
        name[len(CHOICE_PREFIX) :]: side
        for name, side in values.items()
        if name.startswith(CHOICE_PREFIX) and side in ("kept", "merged")
    }


async def _page(
    request: Request,
    api: Api,
    *,
    client_id: int,
    other_id: int | None,
    q: str = "",
    choices: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    sheet = await load_sheet(api, client_id)
    other = preview = None
    if other_id is not None and other_id != client_id:
        other = await load_sheet(api, other_id)
        body = {"kept_client_id": client_id, "merged_client_id": other_id, "choose": choices or {}}
        preview = await api.post("/api/clients/merge/preview", json=body)
    context = {
        "section": "clients",
        "sheet": sheet,
        "other": other,
        "preview": preview,
        "choices": choices or {},
        "q": q,
        "candidates": await _candidates(api, client_id=client_id, q=q),
        "error": error,
    }
    return render(request, "client_dealings/merge.html", context, status_code=status_code)


@router.get("/clients/{client_id}/fusionner")
async def merge_page(
    request: Request, api: ApiClient, client_id: int, avec: int | None = None, q: str = ""
) -> Response:
    """Choose the client to merge into this one, then see what the merge would do."""
    require_role(request, "manager")
    if is_htmx(request) and request.headers.get("hx-target") == "merge-candidates":
        candidates = await _candidates(api, client_id=client_id, q=q)
        context = {"candidates": candidates, "q": q, "sheet": {"id": client_id}}
        return render(request, "client_dealings/merge_candidates.html", context)
    return await _page(request, api, client_id=client_id, other_id=avec, q=q)


@router.post("/clients/{client_id}/fusionner")
async def merge(request: Request, api: ApiClient, client_id: int) -> Response:
    """Merge the other client into this one with the values chosen for each conflict; then its sheet."""
    require_role(request, "manager")
    values = last_values(await request.form())
    other = values.get("avec", "")
    if not other.isdigit():
        return RedirectResponse(f"/clients/{client_id}/fusionner", status_code=303)
    choices = choices_of(values)
    body = {"kept_client_id": client_id, "merged_client_id": int(other), "choose": choices}
    try:
        await api.post("/api/clients/merge", json=body)
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        return await _page(
            request,
            api,
            client_id=client_id,
            other_id=int(other),
            choices=choices,
            error=refused.detail,
            status_code=refused.status,
        )
    return RedirectResponse(f"/clients/{client_id}", status_code=303)
