"""Editing the client: one box in place (the pencil), or every field at once ("Modifier")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from services.console.base.api import Api, ApiError
from services.console.base.web import ApiClient, csrf_protect, is_htmx, render, require_role
from services.console.client_sheet.common import refusal_messages
from services.console.client_sheet.fields import (
    BOX_BY_KEY,
    BOXES,
    Box,
    block_wanted,
    current_values,
    edit_body,
    field_choices,
    submitted_values,
)
from services.console.client_sheet.frame import load_sheet, render_sheet_tab
from services.console.client_sheet.timeline import interactions_context

router = APIRouter(dependencies=[Depends(csrf_protect)])
# What "Modifier" edits with one PATCH (blocking is a call of its own, the figures are the API's).
PATCHED_BOXES = tuple(box for box in BOXES if box.key not in ("blocking", "figures"))


def _box(key: str) -> Box:
    box = BOX_BY_KEY.get(key)
    if box is None or box.role is None:
        raise HTTPException(status_code=404)
    return box


def _split_errors(box: Box, errors: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Messages shown beside a field of the box, and those that name none of its fields."""
    known = set(box.fields) | {"shipping_address"}
    if box.key == "blocking":
        known |= {"reason"}
    beside = {("blocked_reason" if name == "reason" else name): message for name, message in errors.items()}
    return beside, {name: message for name, message in errors.items() if name not in known}


async def _set_blocked(api: Api, client_id: int, *, blocked: bool, reason: str | None) -> dict[str, Any]:
    if blocked:
        answer: dict[str, Any] = await api.post(f"/api/clients/{client_id}/block", json={"reason": reason})
    else:
        answer = await api.post(f"/api/clients/{client_id}/unblock")
    return answer


async def _render_box_form(
    request: Request,
    api: Api,
    *,
    client_id: int,
    box: Box,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    """The box's form: alone for htmx, else inside the whole sheet (the pencil's page without JavaScript)."""
    beside, other = _split_errors(box, errors)
    sheet = await load_sheet(api, client_id)
    choices = await field_choices(api)
    context = {"editing": box.key, "values": values, "errors": beside, "other_errors": other, "choices": choices}
    if is_htmx(request) and request.headers.get("hx-target") == f"field-{box.key}":
        return render(
            request, "client_sheet/box.html", {"sheet": sheet, "box": box, **context}, status_code=status_code
        )
    context.update(await interactions_context(request, api, client_id))
    return await render_sheet_tab(
        request,
        api,
        client_id=client_id,
        tab="interactions",
        template="client_sheet/tab_interactions.html",
        context=context,
        sheet=sheet,
        status_code=status_code,
    )


@router.get("/clients/{client_id}/champs/{box_key}/modifier")
async def box_form(request: Request, api: ApiClient, client_id: int, box_key: str) -> Response:
    """A box of the sheet's fields as a form (the pencil)."""
    box = _box(box_key)
    require_role(request, box.role or "owner")
    sheet = await load_sheet(api, client_id)
    return await _render_box_form(request, api, client_id=client_id, box=box, values=current_values(sheet), errors={})


@router.get("/clients/{client_id}/champs/{box_key}")
async def box_view(request: Request, api: ApiClient, client_id: int, box_key: str) -> Response:
    """A box of the sheet's fields as it shows (after "Annuler"); the sheet without htmx."""
    box = _box(box_key)
    if not (is_htmx(request) and request.headers.get("hx-target") == f"field-{box.key}"):
        return RedirectResponse(f"/clients/{client_id}", status_code=303)
    sheet = await load_sheet(api, client_id)
    return render(request, "client_sheet/box.html", {"sheet": sheet, "box": box, "choices": await field_choices(api)})


@router.post("/clients/{client_id}/champs/{box_key}")
async def box_save(request: Request, api: ApiClient, client_id: int, box_key: str) -> Response:
    """Save one box: the box again for htmx (and the title if it changed), else back to the sheet."""
    box = _box(box_key)
    require_role(request, box.role or "owner")
    form = await request.form()
    try:
        if box.key == "blocking":
            blocked, reason = block_wanted(form)
            updated = await _set_blocked(api, client_id, blocked=blocked, reason=reason)
        else:
            updated = await api.patch(f"/api/clients/{client_id}", json=edit_body((box,), form))
    except ApiError as refused:
        errors = refusal_messages(refused)
        return await _render_box_form(
            request, api, client_id=client_id, box=box, values=submitted_values(form), errors=errors, status_code=422
        )
    if is_htmx(request) and request.headers.get("hx-target") == f"field-{box.key}":
        context = {"sheet": updated, "box": box, "choices": await field_choices(api), "oob": True}
        return render(request, "client_sheet/box_saved.html", context, headers={"HX-Trigger": "sheet-changed"})
    return RedirectResponse(f"/clients/{client_id}#field-{box.key}", status_code=303)


async def _render_edit_page(
    request: Request,
    api: Api,
    *,
    sheet: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        "section": "clients",
        "sheet": sheet,
        "values": values,
        "errors": errors,
        "boxes": PATCHED_BOXES,
        "choices": await field_choices(api),
        "other_errors": {name: message for name, message in errors.items() if name == ""},
    }
    return render(request, "client_sheet/edit.html", context, status_code=status_code)


@router.get("/clients/{client_id}/modifier")
async def edit_form(request: Request, api: ApiClient, client_id: int) -> Response:
    """Every field of the client in one form."""
    require_role(request, "staff")
    sheet = await load_sheet(api, client_id)
    return await _render_edit_page(request, api, sheet=sheet, values=current_values(sheet), errors={})


async def _save_all(api: Api, request: Request, client_id: int, sheet: dict[str, Any], form: FormData) -> None:
    await api.patch(f"/api/clients/{client_id}", json=edit_body(PATCHED_BOXES, form))
    blocked, reason = block_wanted(form)
    if "blocked" not in form or (blocked == sheet["blocked"] and (not blocked or reason == sheet["blocked_reason"])):
        return
    # Only a manager may stop or allow orders; the page offered the box to nobody else.
    require_role(request, "manager")
    await _set_blocked(api, client_id, blocked=blocked, reason=reason)


@router.post("/clients/{client_id}/modifier")
async def edit_save(request: Request, api: ApiClient, client_id: int) -> Response:
    """Save every field; the form again with the API's messages beside the fields if it refuses."""
    require_role(request, "staff")
    form = await request.form()
    sheet = await load_sheet(api, client_id)
    try:
        await _save_all(api, request, client_id, sheet, form)
    except ApiError as refused:
        errors = refusal_messages(refused)
        if "reason" in errors:
            errors["blocked_reason"] = errors.pop("reason")
        return await _render_edit_page(
            request, api, sheet=sheet, values=submitted_values(form), errors=errors, status_code=422
        )
    return RedirectResponse(f"/clients/{client_id}", status_code=303)
