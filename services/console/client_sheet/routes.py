"""The client sheet: its frame, its Interactions tab with the timeline, and the sheet's other parts it includes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.base.web import ApiClient, csrf_protect, is_htmx, render
from services.console.client_sheet.contacts import router as contacts_router
from services.console.client_sheet.edit import router as edit_router
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
    # Loaded here even for the tab alone: the e-mail form offers the client's address.
    sheet = await load_sheet(api, client_id)
    return await render_sheet_tab(
        request,
        api,
        client_id=client_id,
        tab="interactions",
        template="client_sheet/tab_interactions.html",
        context=await interactions_context(request, api, client_id),
        sheet=sheet,
    )


router.include_router(edit_router)
router.include_router(interactions_router)
router.include_router(contacts_router)
