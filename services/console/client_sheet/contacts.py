"""The Contacts tab: the people at the client and which documents each receives by e-mail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, is_htmx, require_role
from services.console.client_sheet.common import N_, refusal_messages
from services.console.client_sheet.frame import render_sheet_tab

router = APIRouter(dependencies=[Depends(csrf_protect)])
TEXT_FIELDS = ("title", "first_name", "last_name", "job_title", "email", "phone", "mobile")
# The API's recipient flags, with what the tab calls them.
FLAGS = (
    ("receives_quotes", N_("Devis")),
    ("receives_proforma", N_("Pro-forma")),
    ("receives_invoices", N_("Factures")),
    ("receives_dunning", N_("Relances")),
)


def contact_body(form: FormData, *, prefix: str) -> dict[str, Any]:
    """A contact form's fields (named ``prefix`` + the API's name) as the API's body; an emptied field is cleared."""
    values = last_values(form)
    body: dict[str, Any] = {name: (values.get(prefix + name) or "").strip() or None for name in TEXT_FIELDS}
    for flag, _label in FLAGS:
        body[flag] = (values.get(prefix + flag) or "").lower() in ("true", "on", "1")
    return body


def _prefixed(contact: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {prefix + name: contact.get(name) for name in (*TEXT_FIELDS, *(flag for flag, _label in FLAGS))}


async def _render_tab(
    request: Request,
    api: Api,
    *,
    client_id: int,
    editing: int | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    contacts: list[dict[str, Any]] = await api.get(f"/api/clients/{client_id}/contacts")
    shown = {
        prefix: value for contact in contacts for prefix, value in _prefixed(contact, f"c{contact['id']}_").items()
    }
    context = {
        "contacts": contacts,
        "flags": FLAGS,
        "editing_contact": editing,
        "contact_values": {**shown, **(values or {})},
        "contact_errors": errors or {},
    }
    return await render_sheet_tab(
        request,
        api,
        client_id=client_id,
        tab="contacts",
        template="client_sheet/tab_contacts.html",
        context=context,
        status_code=status_code,
    )


def _done(request: Request, client_id: int) -> Response | None:
    """Without htmx, back to the tab (Post/Redirect/Get); with it, None: the caller sends the tab."""
    if is_htmx(request):
        return None
    return RedirectResponse(f"/clients/{client_id}/contacts", status_code=303)


@router.get("/clients/{client_id}/contacts")
async def contacts_tab(request: Request, api: ApiClient, client_id: int) -> Response:
    """The client's contacts with the documents each receives."""
    return await _render_tab(request, api, client_id=client_id)


@router.get("/clients/{client_id}/contacts/{contact_id}/modifier")
async def contact_form(request: Request, api: ApiClient, client_id: int, contact_id: int) -> Response:
    """The tab with one contact's row as a form."""
    require_role(request, "staff")
    return await _render_tab(request, api, client_id=client_id, editing=contact_id)


@router.post("/clients/{client_id}/contacts")
async def add_contact(request: Request, api: ApiClient, client_id: int) -> Response:
    """Add a contact."""
    require_role(request, "staff")
    form = await request.form()
    try:
        await api.post(f"/api/clients/{client_id}/contacts", json=contact_body(form, prefix="new_"))
    except ApiError as refused:
        errors = refusal_messages(refused, prefix="new_")
        values = dict(last_values(form))
        return await _render_tab(request, api, client_id=client_id, values=values, errors=errors, status_code=422)
    return _done(request, client_id) or await _render_tab(request, api, client_id=client_id)


@router.post("/clients/{client_id}/contacts/{contact_id}")
async def update_contact(request: Request, api: ApiClient, client_id: int, contact_id: int) -> Response:
    """Save a contact's fields and flags."""
    require_role(request, "staff")
    form = await request.form()
    prefix = f"c{contact_id}_"
    try:
        await api.patch(f"/api/clients/{client_id}/contacts/{contact_id}", json=contact_body(form, prefix=prefix))
    except ApiError as refused:
        errors = refusal_messages(refused, prefix=prefix)
        values = dict(last_values(form))
        return await _render_tab(
            request, api, client_id=client_id, editing=contact_id, values=values, errors=errors, status_code=422
        )
    return _done(request, client_id) or await _render_tab(request, api, client_id=client_id)


@router.post("/clients/{client_id}/contacts/{contact_id}/supprimer")
async def remove_contact(request: Request, api: ApiClient, client_id: int, contact_id: int) -> Response:
    """Remove a contact."""
    require_role(request, "staff")
    await api.delete(f"/api/clients/{client_id}/contacts/{contact_id}")
    return _done(request, client_id) or await _render_tab(request, api, client_id=client_id)
