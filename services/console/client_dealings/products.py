"""The Top produits tab: the products most delivered to the client."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.base.api import ApiError
from services.console.base.web import ApiClient, csrf_protect
from services.console.client_sheet.frame import render_sheet_tab

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/clients/{client_id}/top-produits")
async def top_products_tab(request: Request, api: ApiClient, client_id: int) -> Response:
    """The client's 20 most delivered products, over a range of days if one is given."""
    query = request.query_params
    choice = {"from": query.get("from", ""), "to": query.get("to", "")}
    params = {"limit": 20, **{name: value for name, value in choice.items() if value}}
    errors: dict[str, str] = {}
    try:
        top = await api.get(f"/api/clients/{client_id}/top-products", params=params)
    except ApiError as refused:
        if refused.status != 422:
            raise
        errors = refused.field_errors() or {"from": refused.detail}
        top = {"items": []}
    return await render_sheet_tab(
        request,
        api,
        client_id=client_id,
        tab="top_products",
        template="client_dealings/top_products.html",
        context={"top": top["items"], "choice": choice, "errors": errors},
        status_code=422 if errors else 200,
    )
