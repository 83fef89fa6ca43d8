"""Exports of the list: CSV at once, or an Excel file built in the background and followed to its download."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.web import ApiClient, csrf_protect, is_htmx, render, require_role
from services.console.client_base.actions import recipients_count
from services.console.client_base.downloads import stream_file
from services.console.client_base.selection import Chosen, api_selection, as_params

router = APIRouter(dependencies=[Depends(csrf_protect)])
# The job states after which nothing changes any more.
FINISHED = ("done", "failed")


def csv_params(chosen: Chosen) -> list[tuple[str, str]]:
    """The parameters of the CSV export: the ticked clients, or the list's tab, order and search."""
    view = chosen.view
    params: list[tuple[str, str]] = [("tab", view.tab), ("direction", view.direction)]
    if view.sort:
        params.append(("sort", view.sort))
    if chosen.by_ids:
        return params + [("client_ids", str(client_id)) for client_id in chosen.client_ids]
    return params + ([("q", view.q)] if view.q else []) + list(view.filters)


@router.get("/clients/export.csv")
async def export_csv(request: Request, api: ApiClient) -> Response:
    """The CSV of the ticked clients (or of every one the list's search matches), downloaded at once."""
    require_role(request, "manager")
    chosen = Chosen.from_params(request.query_params)
    return await stream_file(request, api, "/api/clients/exports/clients.csv", params=csv_params(chosen))


async def _export_page(
    request: Request, api: Api, chosen: Chosen, *, problem: str | None = None, status_code: int = 200
) -> Response:
    count, exact = await recipients_count(api, chosen)
    context: dict[str, Any] = {"section": "clients", "chosen": chosen, "count": count, "exact": exact}
    return render(request, "client_base/export_new.html", {**context, "problem": problem}, status_code=status_code)


@router.get("/clients/export")
async def new_export(request: Request, api: ApiClient) -> Response:
    """What an Excel export will hold, and the button that starts it."""
    require_role(request, "manager")
    return await _export_page(request, api, Chosen.from_params(request.query_params))


@router.post("/clients/export")
async def start_export(request: Request, api: ApiClient) -> Response:
    """Queue the Excel export and follow it on its progress page."""
    require_role(request, "manager")
    chosen = Chosen.from_params(as_params(await request.form()))
    view = chosen.view
    body: dict[str, Any] = {"kind": "clients", "format": "xlsx", "direction": view.direction}
    if view.sort:
        body["sort"] = view.sort
    try:
        body["selection"] = await api_selection(api, chosen)
        job = await api.post("/api/clients/exports", json=body)
    except ApiError as refused:
        if refused.status not in (404, 409, 422):
            raise
        problem = "; ".join(f"{field} : {message}" for field, message in refused.field_errors().items())
        return await _export_page(request, api, chosen, problem=problem or refused.detail, status_code=refused.status)
    return RedirectResponse(f"/clients/exports/{job['id']}", status_code=303)


@router.get("/clients/exports/{job_id}")
async def export_progress(request: Request, api: ApiClient, job_id: uuid.UUID) -> Response:
    """An export's progress; htmx asks again every second until it is finished, then offers the file."""
    require_role(request, "manager")
    job = await api.get(f"/api/clients/exports/{job_id}")
    context = {"section": "clients", "job": job, "finished": job["state"] in FINISHED or bool(job.get("error"))}
    if is_htmx(request) and request.headers.get("hx-target") == "export-progress":
        return render(request, "client_base/export_status.html", context)
    return render(request, "client_base/export_progress.html", context)


@router.get("/clients/exports/{job_id}/fichier")
async def export_file(request: Request, api: ApiClient, job_id: uuid.UUID) -> Response:
    """The finished export's file, streamed from the API under its name."""
    require_role(request, "manager")
    return await stream_file(request, api, f"/api/clients/exports/{job_id}/file")
