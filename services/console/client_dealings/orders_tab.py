"""The Commandes tab of the client sheet: the client's orders, newest first, page by page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.base.web import ApiClient, csrf_protect
from services.console.client_sheet.frame import render_sheet_tab

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/clients/{client_id}/commandes")
async def orders_tab(request: Request, api: ApiClient, client_id: int, cursor: str | None = None) -> Response:
    """The client's order history with links to each order and its invoice number."""
    params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
    page = await api.get(f"/api/clients/{client_id}/orders", params=params)
    return await render_sheet_tab(
        request,
        api,
        client_id=client_id,
        tab="orders",
        template="client_dealings/orders.html",
        context={"orders": page, "cursor": cursor},
    )
