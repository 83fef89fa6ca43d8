"""The client sheet: its frame and its first tab."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.base.web import ApiClient, csrf_protect
from services.console.client_sheet.frame import render_sheet_tab

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/clients/{client_id}")
async def client_sheet(request: Request, api: ApiClient, client_id: int) -> Response:
    """The client sheet, open on its Interactions tab."""
    return await render_sheet_tab(
        request, api, client_id=client_id, tab="interactions", template="client_sheet/tab_interactions.html"
    )
