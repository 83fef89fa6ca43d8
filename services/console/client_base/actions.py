"""Actions of the list on a selection: a new paper mailing for the ticked clients or every matching one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.web import ApiClient, csrf_protect, render, require_role
from services.console.client_base.selection import Chosen, api_selection, as_params, matching_count

router = APIRouter(dependencies=[Depends(csrf_protect)])


async def recipients_count(api: Api, chosen: Chosen) -> tuple[int, bool]:
    """How many clients the choice names (exact, or a floor when the API stopped counting)."""
    if chosen.by_ids:
        return len(chosen.client_ids), True
    return await matching_count(api, chosen.view)


async def _mailing_page(
    request: Request,
    api: Api,
    chosen: Chosen,
    *,
    name: str = "",
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    count, exact = await recipients_count(api, chosen)
    context: dict[str, Any] = {
        "section": "clients",
        "chosen": chosen,
        "count": count,
        "exact": exact,
        "name": name,
        "errors": errors or {},
        "problem": problem,
    }
    return render(request, "client_base/mailing_new.html", context, status_code=status_code)


@router.get("/clients/mailing")
async def new_mailing(request: Request, api: ApiClient) -> Response:
    """Name the paper mailing of the ticked clients (or of every matching one) before it is made."""
    require_role(request, "staff")
    return await _mailing_page(request, api, Chosen.from_params(request.query_params))


@router.post("/clients/mailing")
async def create_mailing(request: Request, api: ApiClient) -> Response:
    """Make the campaign from the choice; its editor opens next."""
    require_role(request, "staff")
    form = await request.form()
    chosen = Chosen.from_params(as_params(form))
    # Not "name": that is the list's name filter, which the choice carries too.
    name = str(form.get("campaign_name") or "").strip()
    try:
        selection = await api_selection(api, chosen)
        campaign = await api.post("/api/mailings/campaigns", json={"name": name, "selection": selection})
    except ApiError as refused:
        if refused.status not in (404, 409, 422):
            raise
        errors = refused.field_errors()
        name_error = errors.pop("name", None)
        # What the API says of the selection (a search it refuses) goes above the form, field by field.
        problem = "; ".join(f"{field} : {message}" for field, message in errors.items()) or None
        if name_error is None and problem is None:
            problem = refused.detail
        field_errors = {"campaign_name": name_error} if name_error else {}
        return await _mailing_page(
            request, api, chosen, name=name, errors=field_errors, problem=problem, status_code=refused.status
        )
    return RedirectResponse(f"/mailings/{campaign['id']}", status_code=303)
