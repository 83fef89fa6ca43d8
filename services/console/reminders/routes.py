"""Reminders: the lists (late, today, coming, done), and creating, editing, snoozing, finishing, deleting one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, render, require_role
from services.console.orders.lookups import client_names
from services.console.orders.routes import shown_status

router = APIRouter(dependencies=[Depends(csrf_protect)])

STATUSES = ("overdue", "due_today", "upcoming", "done")
LIST_LIMIT = 50
SNOOZE_CHOICES = (15, 60, 240, 1440)


def _due(reminder: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(reminder["due_at"])


async def _lists(api: Api, *, only: str | None, cursor: str | None) -> dict[str, Any]:
    """The four lists; the API's "overdue" means before today, so today's reminders already due join it here."""
    wanted = (only,) if only else STATUSES
    pages = await asyncio.gather(
        *(
            api.get(
                "/api/reminders",
                params={"status": status, "limit": LIST_LIMIT, **({"cursor": cursor} if cursor else {})},
            )
            for status in wanted
        )
    )
    by_status = dict(zip(wanted, pages, strict=True))
    now = datetime.now(UTC)
    lists: dict[str, dict[str, Any]] = {}
    for status, page in by_status.items():
        lists[status] = {"items": list(page["items"]), "next_cursor": page["next_cursor"]}
    if "due_today" in lists:
        today = lists["due_today"]["items"]
        passed = [item for item in today if _due(item) <= now]
        lists["due_today"]["items"] = [item for item in today if _due(item) > now]
        if "overdue" in lists:
            lists["overdue"]["items"].extend(passed)
        else:
            lists["due_today"]["items"] = passed + lists["due_today"]["items"]
    return lists


async def _users(api: Api) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = await api.get("/api/reminders/users")
    return users


async def _render_lists(request: Request, api: Api, *, error: str | None = None, status_code: int = 200) -> Response:
    only = request.query_params.get("statut")
    only = only if only in STATUSES else None
    lists, users = await asyncio.gather(
        _lists(api, only=only, cursor=request.query_params.get("cursor") if only else None), _users(api)
    )
    names = await client_names(api, (item["client_id"] for page in lists.values() for item in page["items"]))
    context = {
        "section": "reminders",
        "lists": lists,
        "only": only,
        "names": names,
        "users": {user["user_id"]: user["display_name"] for user in users},
        "snooze_choices": SNOOZE_CHOICES,
        "error": error,
    }
    return render(request, "reminders/lists.html", context, status_code=shown_status(request, status_code))


@router.get("/rappels")
async def reminder_lists(request: Request, api: ApiClient) -> Response:
    """The reminders: late, today, coming and done; one list alone (and its next page) with ?statut=."""
    return await _render_lists(request, api)


def _local_input(value: str | None) -> str:
    """The API's local due time with offset as a datetime-local field's value (seconds kept)."""
    return (value or "")[:19]


async def _form_context(api: Api, request: Request, **extra: Any) -> dict[str, Any]:
    users = await _users(api)
    context: dict[str, Any] = {
        "section": "reminders",
        "user_options": [(user["user_id"], user["display_name"]) for user in users],
        "values": {},
        "errors": {},
        "error": None,
        "client": None,
        "reminder": None,
        **extra,
    }
    return context


@router.get("/rappels/nouveau")
async def new_reminder(request: Request, api: ApiClient) -> Response:
    """The form of a new reminder; without ?client=, a search for the client first."""
    require_role(request, "staff")
    client_param = request.query_params.get("client") or ""
    q = (request.query_params.get("q") or "").strip()
    context = await _form_context(api, request, q=q)
    if client_param.isdigit():
        context["client"] = await api.get(f"/api/clients/{client_param}")
        signed = request.state.signed_in.session.user
        context["values"] = {"assigned_user": signed.id}
    else:
        page = await api.get("/api/clients", params={"limit": 20, **({"q": q} if q else {})})
        context["choices"] = page["items"]
    if request.headers.get("hx-target") == "reminder-client-choices":
        return render(request, "reminders/client_choices.html", context)
    return render(request, "reminders/form.html", context)


def _body(values: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"text": values.get("text", "").strip(), "due_at": values.get("due_at", "").strip()}
    if values.get("assigned_user"):
        body["assigned_user"] = values["assigned_user"]
    return body


@router.post("/rappels/nouveau")
async def create_reminder(request: Request, api: ApiClient) -> Response:
    """Create a reminder; the form again with the API's messages if refused."""
    require_role(request, "staff")
    values = last_values(await request.form())
    client_id = values.get("client_id", "")
    try:
        await api.post(
            "/api/reminders", json={"client_id": int(client_id) if client_id.isdigit() else client_id, **_body(values)}
        )
    except ApiError as refused:
        if refused.status not in (404, 409, 422):
            raise
        client = await api.get(f"/api/clients/{client_id}") if client_id.isdigit() else None
        context = await _form_context(
            api, request, client=client, values=values, errors=refused.field_errors(), error=refused.detail
        )
        return render(request, "reminders/form.html", context, status_code=refused.status)
    return RedirectResponse("/rappels", status_code=303)


@router.get("/rappels/{reminder_id}/modifier")
async def edit_reminder(request: Request, api: ApiClient, reminder_id: int) -> Response:
    """The form of a pending reminder: text, due time, assignee."""
    require_role(request, "staff")
    reminder = await api.get(f"/api/reminders/{reminder_id}")
    client = await _client_or_none(api, reminder["client_id"])
    values = {
        "text": reminder["text"],
        "due_at": _local_input(reminder["due_at_local"]),
        "assigned_user": reminder["assigned_user"],
    }
    context = await _form_context(api, request, reminder=reminder, client=client, values=values)
    return render(request, "reminders/form.html", context)


async def _client_or_none(api: Api, client_id: int) -> dict[str, Any] | None:
    try:
        client: dict[str, Any] = await api.get(f"/api/clients/{client_id}")
    except ApiError as refused:
        if refused.status != 404:
            raise
        return None
    return client


@router.post("/rappels/{reminder_id}/modifier")
async def update_reminder(request: Request, api: ApiClient, reminder_id: int) -> Response:
    """Change a pending reminder (a new due time reschedules it)."""
    require_role(request, "staff")
    values = last_values(await request.form())
    try:
        await api.patch(f"/api/reminders/{reminder_id}", json=_body(values))
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        reminder = await api.get(f"/api/reminders/{reminder_id}")
        client = await _client_or_none(api, reminder["client_id"])
        context = await _form_context(
            api,
            request,
            reminder=reminder,
            client=client,
            values=values,
            errors=refused.field_errors(),
            error=refused.detail,
        )
        return render(request, "reminders/form.html", context, status_code=refused.status)
    return RedirectResponse("/rappels", status_code=303)


async def _act(request: Request, api: Api, path: str, *, body: Any = None, delete: bool = False) -> Response:
    require_role(request, "staff")
    try:
        if delete:
            await api.delete(path)
        else:
            await api.post(path, json=body)
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        return await _render_lists(request, api, error=refused.detail, status_code=refused.status)
    return RedirectResponse("/rappels", status_code=303)


@router.post("/rappels/{reminder_id}/reporter")
async def snooze(request: Request, api: ApiClient, reminder_id: int) -> Response:
    """Remind again in the chosen number of minutes."""
    values = last_values(await request.form())
    minutes = values.get("minutes", "15")
    body = {"minutes": int(minutes) if minutes.isdigit() else minutes}
    return await _act(request, api, f"/api/reminders/{reminder_id}/snooze", body=body)


@router.post("/rappels/{reminder_id}/fait")
async def done(request: Request, api: ApiClient, reminder_id: int) -> Response:
    """Mark a reminder done."""
    return await _act(request, api, f"/api/reminders/{reminder_id}/done")


@router.post("/rappels/{reminder_id}/supprimer")
async def delete(request: Request, api: ApiClient, reminder_id: int) -> Response:
    """Delete a reminder and its notifications."""
    return await _act(request, api, f"/api/reminders/{reminder_id}", delete=True)
