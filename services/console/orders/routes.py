"""Orders: the new-order screen (client picker, lines priced by the API as a draft) and the order page's actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, is_htmx, render, require_role
from services.console.orders.forms import (
    LINE_ROWS,
    PAYMENT_METHODS,
    FieldProblem,
    api_lines,
    euros_to_cents,
    instant_of_day,
    order_lines,
    row_errors,
)
from services.console.orders.lookups import client_choices, client_names, variant_options

router = APIRouter(dependencies=[Depends(csrf_protect)])

# The API's field names on the order page's forms → the console's (amounts are typed in euros, dates as days).
ACTION_FIELDS = {"amount_cents": "amount", "paid_at": "paid_on", "shipped_at": "shipped_on", "method": "method"}


def shown_status(request: Request, status: int) -> int:
    """The status of a page that shows a refusal: htmx swaps only 2xx answers, so the forms it sends get 200."""
    return 200 if request.headers.get("hx-request") == "true" else status


def _id_param(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


async def _new_order_context(api: Api, request: Request, *, client_id: int | None, ship_to_id: int | None) -> dict:
    picking = request.query_params.get("choisir")
    q = (request.query_params.get("q") or "").strip()
    context: dict[str, Any] = {
        "section": "orders",
        "client": None,
        "ship_to": None,
        "picking": "ship_to" if client_id and picking == "destinataire" else (None if client_id else "client"),
        "q": q,
        "rows": range(LINE_ROWS),
        "values": {},
        "errors": {},
        "error": None,
    }
    if client_id:
        context["client"] = await api.get(f"/api/clients/{client_id}")
        context["variants"] = await variant_options(api)
    if ship_to_id and ship_to_id != client_id:
        context["ship_to"] = await api.get(f"/api/clients/{ship_to_id}")
    if context["picking"]:
        context["choices"] = await client_choices(api, q=q)
        if context["picking"] == "ship_to":
            context["choices"] = [c for c in context["choices"] if c["client_id"] != client_id]
    return context


@router.get("/commandes/nouvelle")
async def new_order(request: Request, api: ApiClient) -> Response:
    """The new-order screen: pick a client (and where to ship), then the lines."""
    require_role(request, "staff")
    client_id = _id_param(request.query_params.get("client"))
    ship_to_id = _id_param(request.query_params.get("livrer_a"))
    context = await _new_order_context(api, request, client_id=client_id, ship_to_id=ship_to_id)
    if is_htmx(request) and request.headers.get("hx-target") == "client-choices":
        return render(request, "orders/choices.html", context)
    return render(request, "orders/new.html", context)


@router.post("/commandes/nouvelle")
async def create_order(request: Request, api: ApiClient) -> Response:
    """Create the order as a draft priced by the API, and show it; the lines again with the API's messages if refused."""
    require_role(request, "staff")
    values = last_values(await request.form())
    client_id = _id_param(values.get("client_id"))
    ship_to_id = _id_param(values.get("ship_to_client_id"))
    errors: dict[str, str] = {}
    error: str | None = None
    status = 422
    try:
        lines = order_lines(values)
        if not lines:
            raise FieldProblem({"lines.0.variant_id": "Choisissez au moins un produit."})
        body: dict[str, Any] = {"client_id": client_id or values.get("client_id"), "lines": api_lines(lines)}
        if ship_to_id and ship_to_id != client_id:
            body["ship_to_client_id"] = ship_to_id
        try:
            order = await api.post("/api/orders", json=body)
        except ApiError as refused:
            if refused.status not in (404, 409, 422):
                raise
            errors = row_errors(refused.field_errors(), lines)
            status = refused.status
            if refused.status in (404, 409) or not errors:
                error = refused.detail
        else:
            return RedirectResponse(f"/commandes/{order['id']}", status_code=303)
    except FieldProblem as problem:
        errors = problem.errors
    if not client_id:
        return RedirectResponse("/commandes/nouvelle", status_code=303)
    context = await _new_order_context(api, request, client_id=client_id, ship_to_id=ship_to_id)
    context.update(values=values, errors=errors, error=error, picking=None)
    return render(request, "orders/new.html", context, status_code=status)


async def _render_order(
    request: Request,
    api: Api,
    order_id: int,
    *,
    order: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    order = order or await api.get(f"/api/orders/{order_id}")
    clients = {order["client_id"], order["ship_to_client_id"]} | {s["ship_to_client_id"] for s in order["shipments"]}
    remaining = any(float(line["shipped_quantity"]) < float(line["quantity"]) for line in order["lines"])
    context = {
        "section": "orders",
        "order": order,
        "names": await client_names(api, clients),
        "to_ship": remaining and order["state"] != "cancelled",
        "methods": PAYMENT_METHODS,
        "errors": errors or {},
        "error": error,
        "values": values or {},
        "notice": request.query_params.get("fait"),
    }
    return render(request, "orders/order.html", context, status_code=shown_status(request, status_code))


@router.get("/commandes/{order_id}")
async def order_page(request: Request, api: ApiClient, order_id: int) -> Response:
    """An order: lines with their price and its rule, totals, invoice, shipments and payments, and what can be done."""
    return await _render_order(request, api, order_id)


async def _act(request: Request, api: Api, order_id: int, path: str, *, done: str, body: Any = None) -> Response:
    """Send one action on an order; back to its page (303), or the page with the API's refusal."""
    require_role(request, "staff")
    try:
        await api.post(f"/api/orders/{order_id}/{path}", json=body)
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        return await _render_order(request, api, order_id, error=refused.detail, status_code=refused.status)
    return RedirectResponse(f"/commandes/{order_id}?fait={done}", status_code=303)


@router.post("/commandes/{order_id}/confirmer")
async def confirm(request: Request, api: ApiClient, order_id: int) -> Response:
    """Confirm a draft order."""
    return await _act(request, api, order_id, "confirm", done="confirmee")


@router.post("/commandes/{order_id}/facturer")
async def invoice(request: Request, api: ApiClient, order_id: int) -> Response:
    """Invoice the order with the account's next number."""
    return await _act(request, api, order_id, "invoice", done="facturee")


@router.post("/commandes/{order_id}/annuler")
async def cancel(request: Request, api: ApiClient, order_id: int) -> Response:
    """Cancel an order that is not invoiced."""
    return await _act(request, api, order_id, "cancel", done="annulee")


@router.post("/commandes/{order_id}/avoir")
async def credit_note(request: Request, api: ApiClient, order_id: int) -> Response:
    """Cancel the order's invoice with a credit note."""
    return await _act(request, api, order_id, "credit-note", done="avoir")


async def _act_with_form(
    request: Request, api: Api, order_id: int, *, path: str, done: str, body: dict[str, Any], values: dict[str, str]
) -> Response:
    require_role(request, "staff")
    try:
        await api.post(f"/api/orders/{order_id}/{path}", json=body)
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        errors = {ACTION_FIELDS.get(name, name): message for name, message in refused.field_errors().items()}
        error = refused.detail if refused.status == 409 or not errors else None
        return await _render_order(
            request, api, order_id, errors=errors, error=error, values=values, status_code=refused.status
        )
    return RedirectResponse(f"/commandes/{order_id}?fait={done}", status_code=303)


def _zone(request: Request) -> str:
    return str(getattr(request.state, "time_zone", "Europe/Paris"))


@router.post("/commandes/{order_id}/expedier")
async def ship(request: Request, api: ApiClient, order_id: int) -> Response:
    """Ship all that remains of the order to its ship-to client, on the day given (today by default)."""
    require_role(request, "staff")
    values = last_values(await request.form())
    try:
        shipped_at = instant_of_day(values.get("shipped_on", ""), zone=_zone(request))
    except FieldProblem:
        return await _render_order(
            request, api, order_id, errors={"shipped_on": "Date invalide"}, values=values, status_code=422
        )
    body: dict[str, Any] = {"shipped_at": shipped_at} if shipped_at else {}
    return await _act_with_form(request, api, order_id, path="shipments", done="expediee", body=body, values=values)


@router.post("/commandes/{order_id}/paiements")
async def pay(request: Request, api: ApiClient, order_id: int) -> Response:
    """Record a payment: amount in euros, the day it was received, how."""
    require_role(request, "staff")
    values = last_values(await request.form())
    problems: dict[str, str] = {}
    cents = euros_to_cents(values.get("amount", ""))
    if cents is None:
        problems["amount"] = "Montant invalide"
    paid_at = None
    try:
        paid_at = instant_of_day(values.get("paid_on", ""), zone=_zone(request))
    except FieldProblem:
        problems["paid_on"] = "Date invalide"
    if problems:
        return await _render_order(request, api, order_id, errors=problems, values=values, status_code=422)
    body: dict[str, Any] = {"amount_cents": cents, "method": values.get("method", "")}
    if paid_at:
        body["paid_at"] = paid_at
    return await _act_with_form(request, api, order_id, path="payments", done="paiement", body=body, values=values)
