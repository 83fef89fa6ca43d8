"""The Réservations tab: stock set aside for the client, reserved and cancelled by the staff."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, is_htmx, require_role
from services.console.client_dealings.catalogue import (
    chosen_variant_errors,
    render_variant_tab,
    translator,
    variant_choices,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])


async def _show(
    request: Request,
    api: Api,
    *,
    client_id: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    reservations, choices = await asyncio.gather(
        api.get("/api/orders/reservations", params={"client_id": client_id}), variant_choices(api)
    )
    # Active ones first, then the oldest.
    context: dict[str, Any] = {
        "reservations": sorted(reservations, key=lambda booking: (booking["status"] != "active", booking["created_at"]))
    }
    return await render_variant_tab(
        request,
        api,
        client_id=client_id,
        tab="reservations",
        template="client_dealings/reservations.html",
        context=context,
        choices=choices,
        values=values,
        errors=errors,
        status_code=status_code,
    )


def _back(client_id: int) -> RedirectResponse:
    return RedirectResponse(f"/clients/{client_id}/reservations", status_code=303)


@router.get("/clients/{client_id}/reservations")
async def reservations_tab(request: Request, api: ApiClient, client_id: int) -> Response:
    """The client's reservations and the form that adds one."""
    return await _show(request, api, client_id=client_id)


@router.post("/clients/{client_id}/reservations")
async def reserve(request: Request, api: ApiClient, client_id: int) -> Response:
    """Set a quantity of a variant aside for the client."""
    require_role(request, "staff")
    values = last_values(await request.form())
    errors = chosen_variant_errors(request, values)
    quantity = values.get("quantity", "").strip().replace(",", ".").replace(" ", "")
    if not quantity:
        gettext = translator(request)
        errors["quantity"] = gettext("Indiquez une quantité.")
    if errors:
        return await _show(request, api, client_id=client_id, values=values, errors=errors, status_code=422)
    try:
        await api.post(
            "/api/orders/reservations",
            json={"client_id": client_id, "variant_id": int(values["variant_id"]), "quantity": quantity},
        )
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        # 422 names the field; a 409 (not enough stock, a client that cannot order) is about the quantity.
        errors = {name.split(".")[-1]: message for name, message in refused.field_errors().items()}
        errors = errors or {"quantity": refused.detail}
        return await _show(request, api, client_id=client_id, values=values, errors=errors, status_code=refused.status)
    return _back(client_id)


@router.post("/clients/{client_id}/reservations/{reservation_id}/annuler")
async def cancel_reservation(request: Request, api: ApiClient, client_id: int, reservation_id: int) -> Response:
    """Cancel an active reservation: its stock is free again."""
    require_role(request, "staff")
    await api.post(f"/api/orders/reservations/{reservation_id}/cancel")
    if is_htmx(request):
        return await _show(request, api, client_id=client_id)
    return _back(client_id)
