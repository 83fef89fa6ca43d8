"""The client sheet: its frame, its Interactions tab with the timeline, and the sheet's other parts it includes."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.base.web import ApiClient, csrf_protect, is_htmx, render
from services.console.client_sheet.contacts import router as contacts_router
from services.console.client_sheet.edit import router as edit_router
from services.console.client_sheet.fields import field_choices
from services.console.client_sheet.frame import load_sheet, render_sheet_tab
from services.console.client_sheet.interactions import router as interactions_router
from services.console.client_sheet.timeline import interactions_context, timeline_context, timeline_view

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/clients/{client_id}")
async def client_sheet(request: Request, api: ApiClient, client_id: int) -> Response:
    """The client sheet, open on its Interactions tab; the timeline alone (or its next page) for htmx."""
    target = request.headers.get("hx-target") if is_htmx(request) else None
    if target in ("timeline", "timeline-more"):
        kind, cursor = timeline_view(request)
        context = await timeline_context(api, client_id, kind=kind, cursor=cursor)
        template = "client_sheet/timeline.html" if target == "timeline" else "client_sheet/timeline_entries.html"
        return render(request, template, {"client_id": client_id, **context})
    # Loaded here even for the tab alone: the e-mail form offers the client's address. Everything the
    # page needs is asked for at once, not one answer after the other.
    whole_page = target != "sheet-tab"
    sheet, context, choices = await asyncio.gather(
        load_sheet(api, client_id),
        interactions_context(request, api, client_id),
        field_choices(api) if whole_page else _nothing(),
    )
    if choices is not None:
        context["choices"] = choices
    return await render_sheet_tab(
        request,
        api,
        client_id=client_id,
        tab="interactions",
        template="client_sheet/tab_interactions.html",
        context=context,
        sheet=sheet,
    )


async def _nothing() -> None:
    return None


router.include_router(edit_router)
router.include_router(interactions_router)
router.include_router(contacts_router)
