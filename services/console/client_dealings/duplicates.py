"""Doublons: clients that are probably the same (same e-mail, phone, or name and postal code)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.console.base.web import ApiClient, csrf_protect, render

router = APIRouter(dependencies=[Depends(csrf_protect)])
REASONS = ("email", "phone", "name_postal_code")


@router.get("/clients/doublons")
async def duplicates_page(request: Request, api: ApiClient, by: list[str] = Query(default=[])) -> Response:
    """The groups of probable duplicates, each with links to its sheets and to merge them."""
    chosen = [reason for reason in by if reason in REASONS]
    params = {"by": chosen, "limit": 100} if chosen else {"limit": 100}
    groups = await api.get("/api/clients/duplicates", params=params)
    context = {"section": "clients", "groups": groups["items"], "chosen": chosen or list(REASONS)}
    return render(request, "client_dealings/duplicates.html", context)
