"""The Tarifs négociés tab: the client's own prices per variant, set, changed and removed by a manager."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, is_htmx, require_role
from services.console.client_dealings.catalogue import (
    cents_to_euros,
    chosen_variant_errors,
    euros_to_cents,
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
    prices, superseded, choices = await asyncio.gather(
        api.get("/api/orders/negotiated-prices", params={"client_id": client_id}),
        api.get("/api/orders/superseded-prices", params={"client_id": client_id}),
        variant_choices(api),
    )
    labels = dict(choices)
    context: dict[str, Any] = {
        "prices": sorted(prices, key=lambda price: labels.get(price["variant_id"], "").casefold()),
        "superseded": superseded,
    }
    return await render_variant_tab(
        request,
        api,
        client_id=client_id,
        tab="negotiated_prices",
        template="client_dealings/prices.html",
        context=context,
        choices=choices,
        values=values,
        errors=errors,
        status_code=status_code,
    )


def _back(client_id: int) -> RedirectResponse:
    return RedirectResponse(f"/clients/{client_id}/tarifs", status_code=303)


@router.get("/clients/{client_id}/tarifs")
async def prices_tab(request: Request, api: ApiClient, client_id: int, variante: int | None = None) -> Response:
    """The negotiated prices; ?variante= opens the form on that variant's price to change it."""
    values: dict[str, str] = {}
    if variante is not None:
        prices = await api.get("/api/orders/negotiated-prices", params={"client_id": client_id})
        current = next((price for price in prices if price["variant_id"] == variante), None)
        values = {"variant_id": str(variante), "price": cents_to_euros(current["price_cents"]) if current else ""}
    return await _show(request, api, client_id=client_id, values=values)


@router.post("/clients/{client_id}/tarifs")
async def set_price(request: Request, api: ApiClient, client_id: int) -> Response:
    """Set or change the client's price for a variant (a manager's decision)."""
    require_role(request, "manager")
    values = last_values(await request.form())
    errors = chosen_variant_errors(request, values)
    cents = euros_to_cents(values.get("price", ""))
    if cents is None:
        gettext = translator(request)
        errors["price"] = gettext("Indiquez un prix en euros, par exemple 12,50.")
    if errors:
        return await _show(request, api, client_id=client_id, values=values, errors=errors, status_code=422)
    body = {"client_id": client_id, "variant_id": int(values["variant_id"]), "price_cents": cents}
    try:
        await api.put("/api/orders/negotiated-prices", json=body)
    except ApiError as refused:
        if refused.status != 422:
            raise
        found = refused.field_errors()
        errors = {("price" if name == "price_cents" else name): message for name, message in found.items()}
        errors = errors or {"price": refused.detail}
        return await _show(request, api, client_id=client_id, values=values, errors=errors, status_code=422)
    return _back(client_id)


@router.post("/clients/{client_id}/tarifs/{variant_id}/supprimer")
async def remove_price(request: Request, api: ApiClient, client_id: int, variant_id: int) -> Response:
    """Remove the client's price for a variant: its next orders take the usual price again."""
    require_role(request, "manager")
    await api.delete(f"/api/orders/negotiated-prices/{client_id}/{variant_id}")
    if is_htmx(request):
        return await _show(request, api, client_id=client_id)
    return _back(client_id)
