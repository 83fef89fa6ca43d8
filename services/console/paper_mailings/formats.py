"""Label sheets: the formats (seeded and the account's own), the printer calibration, and a test grid."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, render, require_role
from services.console.paper_mailings.pdf import pdf_download

router = APIRouter(dependencies=[Depends(csrf_protect)])

FORMATS = "/api/mailings/label-formats"
SETTINGS = "/api/mailings/label-settings"
# The geometry of LabelFormatBody, in the order the form asks for it.
INTEGERS = ("columns", "rows")
MILLIMETRES = (
    "label_width_mm",
    "label_height_mm",
    "left_mm",
    "top_mm",
    "pitch_x_mm",
    "pitch_y_mm",
    "corner_radius_mm",
)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def number(text: str, *, integer: bool = False) -> Any:
    """A typed number ("12,5" the French way too); what is not a number goes as typed, for the API to name it."""
    cleaned = text.strip().replace(",", ".")
    try:
        return int(cleaned) if integer else float(cleaned)
    except ValueError:
        return text


async def _page(
    request: Request,
    api: Api,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    calibration: dict[str, Any] | None = None,
    calibration_errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    formats = await api.get(FORMATS)
    context = {
        "section": "mailings",
        "formats": formats,
        "values": values or {"paper": "A4", "corner_radius_mm": "0"},
        "errors": errors or {},
        "calibration": calibration or await api.get(SETTINGS),
        "calibration_errors": calibration_errors or {},
        "error": error,
        "notice": request.query_params.get("fait", ""),
        "back": request.query_params.get("mailing", ""),
    }
    return render(request, "paper_mailings/formats.html", context, status_code=status_code)


@router.get("/mailings/formats")
async def formats_page(request: Request, api: ApiClient) -> Response:
    """The label formats, the form to add one, the printer calibration."""
    return await _page(request, api)


@router.post("/mailings/formats")
async def add_format(request: Request, api: ApiClient) -> Response:
    """Add an account format; each geometry error the API names appears beside its field."""
    require_role(request, "manager")
    values = last_values(await request.form())
    body: dict[str, Any] = {key: values.get(key, "").strip() for key in ("code", "name", "paper")}
    for key in INTEGERS:
        body[key] = number(values.get(key, ""), integer=True)
    for key in MILLIMETRES:
        if values.get(key, "").strip() or key != "corner_radius_mm":
            body[key] = number(values.get(key, ""))
    try:
        await api.post(FORMATS, json=body)
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        errors = refused.field_errors()
        if refused.status == 409 and not errors:
            errors = {"code": refused.detail}
        return await _page(
            request, api, values=values, errors=errors, error=None if errors else refused.detail, status_code=422
        )
    return RedirectResponse("/mailings/formats?fait=ajoute", status_code=303)


@router.post("/mailings/formats/{code}/supprimer")
async def delete_format(request: Request, api: ApiClient, code: str) -> Response:
    """Delete one of the account's formats."""
    require_role(request, "manager")
    if not _CODE.match(code):
        raise HTTPException(status_code=404)
    await api.delete(f"{FORMATS}/{code}")
    return RedirectResponse("/mailings/formats?fait=supprime", status_code=303)


@router.post("/mailings/formats/{code}/grille")
async def test_grid(request: Request, api: ApiClient, code: str) -> Response:
    """A one-page PDF outlining each label of the format, shifted by the calibration, to hold against a sheet."""
    require_role(request, "manager")
    if not _CODE.match(code):
        raise HTTPException(status_code=404)
    return await pdf_download(
        request, api, method="POST", path=f"{FORMATS}/{code}/test-grid", filename=f"grille-{code}.pdf"
    )


@router.post("/mailings/etalonnage")
async def put_calibration(request: Request, api: ApiClient) -> Response:
    """Set the printer calibration (offsets in mm, ±20); the API's 422 beside each offset."""
    require_role(request, "manager")
    values = last_values(await request.form())
    body = {key: number(values.get(key, "") or "0") for key in ("offset_x_mm", "offset_y_mm")}
    try:
        await api.put(SETTINGS, json=body)
    except ApiError as refused:
        if refused.status != 422:
            raise
        return await _page(request, api, calibration=values, calibration_errors=refused.field_errors(), status_code=422)
    return RedirectResponse("/mailings/formats?fait=etalonnage#etalonnage", status_code=303)
