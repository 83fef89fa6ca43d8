"""Supprimer a client: deleted when it has no documents, else archived (restorable) or erased (GDPR)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, render, require_role
from services.console.client_dealings.catalogue import translator
from services.console.client_sheet.frame import load_sheet

router = APIRouter(dependencies=[Depends(csrf_protect)])


async def _page(request: Request, api: Api, *, client_id: int, status_code: int = 200, **context: Any) -> Response:
    sheet = await load_sheet(api, client_id)
    values = {"section": "clients", "sheet": sheet, "client_id": client_id, "refused": None, "errors": {}, **context}
    return render(request, "client_dealings/removal.html", values, status_code=status_code)


@router.get("/clients/{client_id}/supprimer")
async def removal_page(request: Request, api: ApiClient, client_id: int) -> Response:
    """Ask to confirm the deletion of a client."""
    return await _page(request, api, client_id=client_id)


@router.post("/clients/{client_id}/supprimer")
async def delete_client(request: Request, api: ApiClient, client_id: int) -> Response:
    """Delete the client; one with orders or invoices is refused, and the page offers archive or erase."""
    require_role(request, "manager")
    try:
        await api.delete(f"/api/clients/{client_id}")
    except ApiError as refused:
        if refused.status != 409:
            raise
        return await _page(request, api, client_id=client_id, status_code=409, refused=refused.detail)
    return RedirectResponse("/clients", status_code=303)


@router.post("/clients/{client_id}/archiver")
async def archive_client(request: Request, api: ApiClient, client_id: int) -> Response:
    """Archive the client: hidden from the list, the search and the order picker, restorable."""
    require_role(request, "manager")
    await api.post(f"/api/clients/{client_id}/archive")
    # This page says it is archived and offers to restore it (the sheet's tabs refuse an archived client).
    return RedirectResponse(f"/clients/{client_id}/supprimer", status_code=303)


@router.post("/clients/{client_id}/restaurer")
async def restore_client(request: Request, api: ApiClient, client_id: int) -> Response:
    """Bring an archived client back into the list."""
    require_role(request, "manager")
    await api.post(f"/api/clients/{client_id}/restore")
    return RedirectResponse(f"/clients/{client_id}", status_code=303)


@router.post("/clients/{client_id}/effacer")
async def erase_client(request: Request, api: ApiClient, client_id: int) -> Response:
    """Erase the client's personal data everywhere (GDPR), once the owner has ticked that they understand."""
    require_role(request, "owner")
    values = last_values(await request.form())
    if values.get("understood") != "true":
        gettext = translator(request)
        errors = {"understood": gettext("Cochez cette case pour confirmer l'effacement.")}
        return await _page(request, api, client_id=client_id, status_code=422, erase_asked=True, errors=errors)
    await api.post(f"/api/clients/{client_id}/erase")
    return RedirectResponse(f"/clients/{client_id}/supprimer", status_code=303)
