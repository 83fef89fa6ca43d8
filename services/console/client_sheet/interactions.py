"""The Interactions tab's actions: a note, a reminder, an e-mail; each lands on the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base import i18n
from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, language_of, require_role
from services.console.client_sheet.common import refusal_messages
from services.console.client_sheet.frame import load_sheet, render_sheet_tab
from services.console.client_sheet.timeline import interactions_context

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _valid(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _local_moment(text: str) -> str | None:
    """A datetime-local field (2026-12-03T09:30) as the API reads it: the account's local time."""
    text = text.strip()
    if not text:
        return None
    return text + ":00" if len(text) == 16 else text


async def _answer(
    request: Request,
    api: Api,
    *,
    client_id: int,
    notice: str | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """The Interactions tab after an action: fresh for htmx, the form again with its messages after a refusal."""
    if errors is None and request.headers.get("hx-request") != "true":
        return RedirectResponse(f"/clients/{client_id}", status_code=303)
    context: dict[str, Any] = await interactions_context(request, api, client_id)
    context["notice"] = notice
    if form is not None:
        context["form_errors"] = {form: errors or {}}
        context["form_values"] = values or {}
    return await render_sheet_tab(
        request,
        api,
        client_id=client_id,
        tab="interactions",
        template="client_sheet/tab_interactions.html",
        context=context,
        sheet=await load_sheet(api, client_id),
        status_code=422 if errors is not None else 200,
    )


@router.post("/clients/{client_id}/notes")
async def add_note(request: Request, api: ApiClient, client_id: int) -> Response:
    """Add a comment, a call or a meeting to the client's timeline."""
    require_role(request, "staff")
    values = last_values(await request.form())
    body: dict[str, Any] = {"kind": values.get("note_kind") or "comment", "text": values.get("note_text", "").strip()}
    noted_at = _local_moment(values.get("note_noted_at", ""))
    if noted_at:
        # The browser's field has no offset; the note is dated in the user's zone as they typed it.
        zone = ZoneInfo(getattr(request.state, "time_zone", "Europe/Paris"))
        body["noted_at"] = (
            datetime.fromisoformat(noted_at).replace(tzinfo=zone).isoformat() if _valid(noted_at) else noted_at
        )
    try:
        await api.post(f"/api/clients/{client_id}/notes", json=body)
    except ApiError as refused:
        errors = refusal_messages(refused, prefix="note_")
        return await _answer(request, api, client_id=client_id, form="note", values=values, errors=errors)
    return await _answer(
        request, api, client_id=client_id, notice=i18n.translations(language_of(request)).gettext("Note ajoutée.")
    )


@router.post("/clients/{client_id}/rappels")
async def add_reminder(request: Request, api: ApiClient, client_id: int) -> Response:
    """Add a reminder about the client, for the user chosen (oneself by default)."""
    require_role(request, "staff")
    values = last_values(await request.form())
    body: dict[str, Any] = {"client_id": client_id, "text": values.get("reminder_text", "").strip()}
    body["due_at"] = _local_moment(values.get("reminder_due_at", ""))
    if values.get("reminder_assigned_user"):
        body["assigned_user"] = values["reminder_assigned_user"]
    try:
        await api.post("/api/reminders", json=body)
    except ApiError as refused:
        errors = refusal_messages(refused, prefix="reminder_")
        return await _answer(request, api, client_id=client_id, form="reminder", values=values, errors=errors)
    return await _answer(
        request, api, client_id=client_id, notice=i18n.translations(language_of(request)).gettext("Rappel ajouté.")
    )


@router.post("/clients/{client_id}/emails")
async def send_email(request: Request, api: ApiClient, client_id: int) -> Response:
    """Send an e-mail to the client: to the contacts receiving a kind of document, or to addresses given."""
    require_role(request, "staff")
    values = last_values(await request.form())
    body: dict[str, Any] = {
        "client_id": client_id,
        "subject": values.get("email_subject", "").strip(),
        "body": values.get("email_body", ""),
    }
    if values.get("email_document_kind"):
        body["document_kind"] = values["email_document_kind"]
    else:
        addresses = [part.strip() for part in values.get("email_recipients", "").replace(";", ",").split(",")]
        body["recipients"] = [address for address in addresses if address] or None
    try:
        await api.post("/api/mailings/emails", json=body)
    except ApiError as refused:
        errors = refusal_messages(refused, prefix="email_")
        return await _answer(request, api, client_id=client_id, form="email", values=values, errors=errors)
    return await _answer(
        request,
        api,
        client_id=client_id,
        notice=i18n.translations(language_of(request)).gettext("E-mail en cours d'envoi."),
    )
