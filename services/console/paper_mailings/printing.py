"""Printing a campaign: the letters or the labels as a render job, its progress, and its PDF."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, is_htmx, render, require_role
from services.console.paper_mailings.pdf import pdf_download

router = APIRouter(dependencies=[Depends(csrf_protect)])

CAMPAIGNS = "/api/mailings/campaigns"
RENDERS = "/api/mailings/renders"


@router.post("/mailings/{campaign_id:int}/imprimer")
async def print_letters(request: Request, api: ApiClient, campaign_id: int) -> Response:
    """Queue the letters (one A4 page per recipient) and follow the job."""
    require_role(request, "manager")
    job = await api.post(f"{CAMPAIGNS}/{campaign_id}/renders", json={"kind": "letters"})
    return RedirectResponse(f"/mailings/rendus/{job['id']}", status_code=303)


async def _labels_page(
    request: Request,
    api: Api,
    campaign_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    campaign = await api.get(f"{CAMPAIGNS}/{campaign_id}")
    formats: list[dict[str, Any]] = await api.get("/api/mailings/label-formats")
    context = {
        "section": "mailings",
        "campaign": campaign,
        "formats": formats,
        "values": values or {"format": formats[0]["code"] if formats else "", "skip": "0"},
        "errors": errors or {},
        "error": error,
    }
    return render(request, "paper_mailings/labels.html", context, status_code=status_code)


@router.get("/mailings/{campaign_id:int}/etiquettes")
async def labels_form(request: Request, api: ApiClient, campaign_id: int) -> Response:
    """Choose the label sheet and how many labels of a used sheet to skip."""
    return await _labels_page(request, api, campaign_id)


@router.post("/mailings/{campaign_id:int}/etiquettes")
async def print_labels(request: Request, api: ApiClient, campaign_id: int) -> Response:
    """Queue the labels on the chosen sheet, skipping the first ones; the API's 422 beside the field."""
    require_role(request, "manager")
    values = last_values(await request.form())
    skip_text = values.get("skip", "").strip() or "0"
    body = {
        "kind": "labels",
        "format": values.get("format", ""),
        "skip": int(skip_text) if skip_text.isdigit() else skip_text,
    }
    try:
        job = await api.post(f"{CAMPAIGNS}/{campaign_id}/renders", json=body)
    except ApiError as refused:
        if refused.status not in (404, 422):
            raise
        errors = refused.field_errors()
        if refused.status == 404 and not errors:
            errors = {"format": refused.detail}
        return await _labels_page(
            request,
            api,
            campaign_id,
            values=values,
            errors=errors,
            error=None if errors else refused.detail,
            status_code=422,
        )
    return RedirectResponse(f"/mailings/rendus/{job['id']}", status_code=303)


@router.get("/mailings/rendus/{render_id:int}")
async def render_progress(request: Request, api: ApiClient, render_id: int) -> Response:
    """A render's progress; htmx asks again every second until it is done or failed, then offers the PDF."""
    require_role(request, "manager")
    job = await api.get(f"{RENDERS}/{render_id}")
    context = {"section": "mailings", "job": job, "finished": job["state"] in ("done", "failed")}
    if is_htmx(request) and request.headers.get("hx-target") == "render-status":
        return render(request, "paper_mailings/render_status.html", context)
    return render(request, "paper_mailings/render.html", context)


@router.get("/mailings/rendus/{render_id:int}/fichier")
async def render_file(request: Request, api: ApiClient, render_id: int) -> Response:
    """The finished render's PDF, passed on from the API as it arrives."""
    require_role(request, "manager")
    return await pdf_download(
        request, api, method="GET", path=f"{RENDERS}/{render_id}/file", filename=f"mailing-rendu-{render_id}.pdf"
    )
