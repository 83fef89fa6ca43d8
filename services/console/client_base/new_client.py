"""Adding a client (a prospect until its first invoice) from the list: every field of the API's new client."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values, nested_body
from services.console.base.web import ApiClient, csrf_protect, render, require_role

router = APIRouter(dependencies=[Depends(csrf_protect)])

BOOLEANS = frozenset(("shipping_same_as_billing", "accepts_emailing", "accepts_mailing", "show_note_on_orders"))
INTEGERS = frozenset(("category_id", "price_grid_id"))
ADDRESS_LINES = ("line1", "line2", "line3", "postal_code", "city")
# Every field of the form, by the API's (dotted) name: an error naming another is said above the form.
FORM_FIELDS = frozenset(
    (
        "kind", "company_name", "title", "first_name", "last_name", "email", "phone", "mobile", "category_id",
        "price_grid_id", "tag_ids", "accounting_code", "note", *BOOLEANS,
        *(f"{address}.{line}" for address in ("billing_address", "shipping_address")
          for line in (*ADDRESS_LINES, "country_code")),
    )
)  # fmt: skip
# What a blank form starts with: the API's own defaults.
DEFAULTS = {
    "kind": "company",
    "billing_address.country_code": "FR",
    "shipping_address.country_code": "FR",
    "shipping_same_as_billing": "true",
    "accepts_mailing": "true",
    "accepts_emailing": "false",
    "show_note_on_orders": "false",
}


def client_body(values: dict[str, str], tag_ids: list[str]) -> dict[str, Any]:
    """The API's new client from the form: an address left blank is no address, ticked tags are ids."""
    body = nested_body(values, booleans=BOOLEANS, integers=INTEGERS)
    if body.get("shipping_same_as_billing"):
        body.pop("shipping_address", None)
    for address in ("billing_address", "shipping_address"):
        if address in body and not any(body[address].get(line) for line in ADDRESS_LINES):
            del body[address]
    if tag_ids:
        body["tag_ids"] = [int(tag) if tag.isdigit() else tag for tag in tag_ids]
    return body


async def _form_page(
    request: Request,
    api: Api,
    *,
    values: dict[str, str],
    tag_ids: list[str],
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    categories, grids, tags = await asyncio.gather(
        api.get("/api/clients/categories"), api.get("/api/orders/price-grids"), api.get("/api/clients/tags")
    )
    context = {
        "section": "clients",
        "values": values,
        "tag_ids": tag_ids,
        "errors": errors or {},
        "problem": problem,
        "category_options": [(category["id"], category["name"]) for category in categories],
        "grid_options": [(grid["id"], grid["name"]) for grid in grids],
        "tags": tags,
    }
    return render(request, "client_base/new_client.html", context, status_code=status_code)


@router.get("/clients/nouveau")
async def new_client_form(request: Request, api: ApiClient) -> Response:
    """The blank form of a new client."""
    require_role(request, "staff")
    return await _form_page(request, api, values=dict(DEFAULTS), tag_ids=[])


@router.post("/clients/nouveau")
async def create_client(request: Request, api: ApiClient) -> Response:
    """Add the client; a field the API refuses is said beside it, else its sheet opens."""
    require_role(request, "staff")
    form = await request.form()
    values = last_values(form)
    tag_ids = [value for value in form.getlist("tag_ids") if isinstance(value, str)]
    values.pop("tag_ids", None)
    try:
        client = await api.post("/api/clients", json=client_body(values, tag_ids))
    except ApiError as refused:
        if refused.status not in (404, 409, 422):
            raise
        errors = refused.field_errors()
        # tag_ids.0 and the like: said beside the tag boxes.
        for field in [name for name in errors if name.startswith("tag_ids.")]:
            errors.setdefault("tag_ids", errors.pop(field))
        return await _form_page(
            request,
            api,
            values=values,
            tag_ids=tag_ids,
            errors=errors,
            problem="; ".join(f"{name} : {text}" for name, text in errors.items() if name not in FORM_FIELDS)
            or (None if errors else refused.detail),
            status_code=refused.status,
        )
    return RedirectResponse(f"/clients/{client['id']}", status_code=303)
