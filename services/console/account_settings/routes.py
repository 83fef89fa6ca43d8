"""Paramètres: the client base's name order and accounting prefix, the time zone, the user's language."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.account_settings import audit, team
from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, render, require_role

router = APIRouter(dependencies=[Depends(csrf_protect)])
router.include_router(team.router)
router.include_router(audit.router)

CLIENT_SETTINGS = "/api/clients/settings"
REMINDER_SETTINGS = "/api/reminders/settings"


@functools.cache
def time_zones() -> list[str]:
    """The IANA zones this machine knows, sorted (what the reminders service accepts)."""
    return sorted(zoneinfo.available_timezones())


async def _page(
    request: Request,
    api: Api,
    *,
    clients: dict[str, Any] | None = None,
    clients_errors: dict[str, str] | None = None,
    zone: str | None = None,
    zone_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "section": "settings",
        "subsection": "general",
        "clients": clients or await api.get(CLIENT_SETTINGS),
        "clients_errors": clients_errors or {},
        "zone": zone or (await api.get(REMINDER_SETTINGS))["timezone"],
        "zone_errors": zone_errors or {},
        "zones": time_zones(),
        "notice": request.query_params.get("fait", ""),
    }
    return render(request, "account_settings/general.html", context, status_code=status_code)


@router.get("/parametres")
async def settings_page(request: Request, api: ApiClient) -> Response:
    """The account's settings: client base, time zone, language, and links to the other sections."""
    return await _page(request, api)


@router.post("/parametres/base-clients")
async def save_client_settings(request: Request, api: ApiClient) -> Response:
    """Change the name order and the accounting prefix (owner)."""
    require_role(request, "owner")
    values = last_values(await request.form())
    body = {
        "name_order": values.get("name_order") or None,
        "accounting_prefix": values.get("accounting_prefix", "").strip().upper() or None,
    }
    try:
        await api.patch(CLIENT_SETTINGS, json={key: value for key, value in body.items() if value is not None})
    except ApiError as refused:
        if refused.status != 422:
            raise
        return await _page(
            request,
            api,
            clients=values,
            clients_errors=refused.field_errors() or {"accounting_prefix": refused.detail},
            status_code=422,
        )
    return RedirectResponse("/parametres?fait=base-clients#base-clients", status_code=303)


@router.post("/parametres/fuseau")
async def save_time_zone(request: Request, api: ApiClient) -> Response:
    """Choose the account's time zone (owner), in which reminders are shown and counted."""
    require_role(request, "owner")
    zone = last_values(await request.form()).get("timezone", "")
    try:
        await api.put(REMINDER_SETTINGS, json={"timezone": zone})
    except ApiError as refused:
        if refused.status != 422:
            raise
        errors = refused.field_errors() or {"timezone": refused.detail}
        return await _page(request, api, zone=zone, zone_errors=errors, status_code=422)
    # This session shows instants in the new zone from now on (other sessions at their next sign-in).
    api.context.session.time_zone = zone
    await request.app.state.sessions.update(api.context.session_id, api.context.session)
    return RedirectResponse("/parametres?fait=fuseau#fuseau", status_code=303)
