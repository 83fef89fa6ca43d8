"""The notification bell of the top bar (polled by htmx) and the notifications it leads to."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import ApiError
from services.console.base.web import ApiClient, csrf_protect, is_htmx, render, require_role
from services.console.orders.lookups import client_names

router = APIRouter(dependencies=[Depends(csrf_protect)])

# The API lists notifications but does not count them: the bell reads one page and says "99+" beyond it.
COUNT_LIMIT = 100


@router.get("/rappels/cloche")
async def bell(request: Request, api: ApiClient) -> Response:
    """The bell with the number of unread notifications; htmx swaps it in every few seconds."""
    unread = await api.get("/api/reminders/notifications", params={"unread": "true", "limit": COUNT_LIMIT})
    count = len(unread)
    if not is_htmx(request):
        return RedirectResponse("/rappels/notifications", status_code=303)
    # The answer polls on its own ("every"), without "load": a "load" here would ask again at once, forever.
    context = {"unread_count": count, "unread_label": "99+" if count >= COUNT_LIMIT else str(count), "polled": True}
    return render(request, "base/bell.html", context, headers={"Cache-Control": "no-store"})


@router.get("/rappels/notifications")
async def notifications(request: Request, api: ApiClient) -> Response:
    """The user's notifications of reminders that came due, newest first, unread ones marked."""
    items = await api.get("/api/reminders/notifications", params={"limit": 100})
    names = await client_names(api, (item["client_id"] for item in items))
    return render(
        request,
        "reminders/notifications.html",
        {"section": "reminders", "items": items, "names": names, "error": None},
    )


@router.post("/rappels/notifications/{notification_id}/lu")
async def mark_read(request: Request, api: ApiClient, notification_id: int) -> Response:
    """Mark one notification read, back to the list."""
    require_role(request, "staff")
    try:
        await api.post(f"/api/reminders/notifications/{notification_id}/read")
    except ApiError as refused:
        if refused.status != 409:
            raise
    return RedirectResponse("/rappels/notifications", status_code=303)
