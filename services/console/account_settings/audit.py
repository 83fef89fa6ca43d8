"""Paramètres: the audit trail across the services, for the owner, filtered by user, action and days."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.base.api import ApiError
from services.console.base.web import ApiClient, csrf_protect, is_htmx, render, require_role
from services.console.paper_mailings.letters import next_value

router = APIRouter(dependencies=[Depends(csrf_protect)])

PAGE_SIZE = 50


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _instant(day: date, zone: str) -> str:
    """Midnight of a day in the account's time zone, as the API's ISO instant."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).isoformat()


@router.get("/parametres/journal")
async def audit_trail(request: Request, api: ApiClient) -> Response:
    """Who did what, newest first, by pages (owner); a filter on a user, an action, from a day to a day."""
    require_role(request, "owner")
    query = request.query_params
    filters = {key: (query.get(key) or "").strip() for key in ("user_id", "action", "du", "au")}
    zone = getattr(request.state, "time_zone", "Europe/Paris")
    errors: dict[str, str] = {}
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    if filters["user_id"]:
        try:
            params["user_id"] = str(uuid.UUID(filters["user_id"]))
        except ValueError:
            filters["user_id"] = ""
    if filters["action"]:
        params["action"] = filters["action"][:100]
    for key, api_key, shift in (("du", "from", 0), ("au", "to", 1)):
        if filters[key]:
            day = _day(filters[key])
            if day is None:
                errors[key] = "date"
            else:
                # "au" is the last day shown: the API's "to" excludes, so it gets the next midnight.
                params[api_key] = _instant(day + timedelta(days=shift), zone)
    before = query.get("avant") or ""
    if before.isdigit():
        params["before"] = before
    page: dict[str, Any] = {"items": [], "next": None}
    if not errors:
        try:
            page = await api.get("/api/identity/audit", params=params)
        except ApiError as refused:
            if refused.status != 422:
                raise
            errors = {
                "du" if key == "from" else "au" if key == "to" else key: message
                for key, message in refused.field_errors().items()
            }
    users = await api.get("/api/identity/users")
    kept = [(key, value) for key, value in filters.items() if value]
    context = {
        "section": "settings",
        "subsection": "audit",
        "page": page,
        "filters": filters,
        "errors": errors,
        "users": {user["id"]: user for user in users},
        "kept_query": urlencode(kept),
        "before": before,
        "next_before": next_value(page.get("next"), "before"),
    }
    if is_htmx(request) and request.headers.get("hx-target") == "audit-results":
        return render(request, "account_settings/audit_rows.html", context)
    return render(request, "account_settings/audit.html", context, status_code=422 if errors else 200)
