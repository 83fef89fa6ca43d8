"""Paper mailings: the campaign list, a new campaign, and the editor (text, preview, background, recipients)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, can, csrf_protect, is_htmx, render, require_role
from services.console.paper_mailings import formats, printing
from services.console.paper_mailings.letters import next_value, preview

router = APIRouter(dependencies=[Depends(csrf_protect)])
# /mailings/formats first: its address is not a campaign's.
router.include_router(formats.router)
router.include_router(printing.router)

CAMPAIGNS = "/api/mailings/campaigns"
PAGE_SIZE = 50
ROWS = 50
# The mailing service refuses bodies over 16 MB before reading them; the console stops at its own 10 MB limit.
IMAGE_MAX_BYTES = 10 * 1024 * 1024


async def _segments(request: Request, api: Api) -> list[dict[str, Any]]:
    if not can(getattr(request.state, "signed_in", None), "staff"):
        return []
    answer: list[dict[str, Any]] = await api.get("/api/clients/segments")
    return answer


async def _list_page(
    request: Request,
    api: Api,
    *,
    before: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    if before and before.isdigit():
        params["before"] = before
    page = await api.get(CAMPAIGNS, params=params)
    context = {
        "section": "mailings",
        "page": page,
        "before": before,
        "next_before": next_value(page.get("next"), "before"),
        "segments": await _segments(request, api),
        "values": values or {"source": "search"},
        "errors": errors or {},
        "error": error,
    }
    if is_htmx(request) and request.headers.get("hx-target") == "campaign-list":
        return render(request, "paper_mailings/campaign_rows.html", context)
    return render(request, "paper_mailings/list.html", context, status_code=status_code)


@router.get("/mailings")
async def campaign_list(request: Request, api: ApiClient, avant: str | None = None) -> Response:
    """The account's paper mailings, newest first, by pages; and the form of a new one."""
    return await _list_page(request, api, before=avant)


@router.post("/mailings")
async def create_campaign(request: Request, api: ApiClient) -> Response:
    """A new campaign from a saved segment or a search text; then its editor."""
    require_role(request, "staff")
    values = last_values(await request.form())
    selection: dict[str, Any]
    if values.get("source") == "segment":
        segment = values.get("segment_id", "")
        selection = {"segment_id": int(segment) if segment.isdigit() else segment}
    else:
        text = values.get("q", "").strip()
        selection = {"search": {"q": text}} if text else {"search": {}}
    try:
        created = await api.post(CAMPAIGNS, json={"name": values.get("name", "").strip(), "selection": selection})
    except ApiError as refused:
        if refused.status not in (404, 422):
            raise
        errors = refused.field_errors()
        # The clients service's refusal names selection.search.q or selection.segment_id: shown beside the choice.
        for name in list(errors):
            if name.startswith("selection.search"):
                errors.setdefault("q", errors[name])
            elif name.startswith("selection.segment"):
                errors.setdefault("segment_id", errors[name])
        message = None if errors else refused.detail
        return await _list_page(request, api, values=values, errors=errors, error=message, status_code=refused.status)
    return RedirectResponse(f"/mailings/{created['id']}", status_code=303)


async def _editor(
    request: Request,
    api: Api,
    campaign_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    campaign = await api.get(f"{CAMPAIGNS}/{campaign_id}")
    params = request.query_params
    recipients_after = params.get("destinataires")
    excluded_after = params.get("exclus")
    recipients = await api.get(
        f"{CAMPAIGNS}/{campaign_id}/recipients",
        params={"limit": ROWS, **({"after": recipients_after} if (recipients_after or "").isdigit() else {})},
    )
    exclusions = await api.get(
        f"{CAMPAIGNS}/{campaign_id}/exclusions",
        params={"limit": ROWS, **({"after": excluded_after} if (excluded_after or "").isdigit() else {})},
    )
    first = recipients["items"][0] if recipients["items"] and not recipients_after else None
    if first is None and recipients_after:
        first_page = await api.get(f"{CAMPAIGNS}/{campaign_id}/recipients", params={"limit": 1})
        first = first_page["items"][0] if first_page["items"] else None
    shown = {**campaign, **(values or {})}
    context = {
        "section": "mailings",
        "campaign": campaign,
        "values": {"name": shown.get("name"), "title": shown.get("title"), "text": shown.get("text")},
        "errors": errors or {},
        "letter": preview(shown, first),
        "recipients": recipients,
        "recipients_after": recipients_after,
        "recipients_next": next_value(recipients.get("next"), "after"),
        "exclusions": exclusions,
        "excluded_after": excluded_after,
        "exclusions_next": next_value(exclusions.get("next"), "after"),
        "notice": notice,
        "editable": campaign["status"] == "draft",
    }
    target = request.headers.get("hx-target") if is_htmx(request) else None
    fragments = {
        "letter": "paper_mailings/letter.html",
        "recipients": "paper_mailings/recipients.html",
        "exclusions": "paper_mailings/exclusions.html",
    }
    if target in fragments:
        # htmx swaps only 2xx answers: the fields' messages come back as a 200 fragment.
        return render(request, fragments[target], context)
    return render(request, "paper_mailings/editor.html", context, status_code=status_code)


@router.get("/mailings/{campaign_id:int}")
async def campaign_editor(request: Request, api: ApiClient, campaign_id: int, fait: str | None = None) -> Response:
    """A campaign's editor: name, title and text with merge fields, the preview, the image, who gets it and who not."""
    return await _editor(request, api, campaign_id, notice=fait)


@router.post("/mailings/{campaign_id:int}")
async def save_campaign(request: Request, api: ApiClient, campaign_id: int) -> Response:
    """Save the name, title and text (PATCH); the API's 422 beside the field it names."""
    require_role(request, "staff")
    values = last_values(await request.form())
    body: dict[str, str] = {key: values[key] for key in ("name", "title", "text") if key in values}
    # Browsers send a textarea's line breaks as CRLF; the letter is printed from plain LF lines.
    if "text" in body:
        body["text"] = body["text"].replace("\r\n", "\n")
    try:
        await api.patch(f"{CAMPAIGNS}/{campaign_id}", json=body)
    except ApiError as refused:
        if refused.status != 422:
            raise
        return await _editor(request, api, campaign_id, values=body, errors=refused.field_errors(), status_code=422)
    if is_htmx(request):
        return await _editor(request, api, campaign_id, notice="enregistre")
    return RedirectResponse(f"/mailings/{campaign_id}?fait=enregistre", status_code=303)


@router.post("/mailings/{campaign_id:int}/fond")
async def put_background(
    request: Request, api: ApiClient, campaign_id: int, image: UploadFile | None = None
) -> Response:
    """Send a PNG or JPEG background to the API (field ``image``); its 422 beside the file field."""
    require_role(request, "staff")
    data = await image.read(IMAGE_MAX_BYTES + 1) if image is not None else b""
    if not data or len(data) > IMAGE_MAX_BYTES:
        message = "Choisissez une image PNG ou JPEG." if not data else "L'image dépasse 10 Mo."
        return await _editor(request, api, campaign_id, errors={"image": message}, status_code=422)
    name = (image.filename if image is not None else None) or "image"
    content_type = (image.content_type if image is not None else None) or "application/octet-stream"
    try:
        await api.send("PUT", f"{CAMPAIGNS}/{campaign_id}/background", files={"image": (name, data, content_type)})
    except ApiError as refused:
        if refused.status not in (413, 422):
            raise
        errors = refused.field_errors() or {"image": refused.detail}
        return await _editor(request, api, campaign_id, errors=errors, status_code=422)
    # The API keeps no file name: the page names the file just sent, once.
    return RedirectResponse(f"/mailings/{campaign_id}?fait=fond&fichier={quote(name[:200])}", status_code=303)


@router.post("/mailings/{campaign_id:int}/fond/supprimer")
async def delete_background(request: Request, api: ApiClient, campaign_id: int) -> Response:
    """Remove the background image."""
    require_role(request, "staff")
    await api.delete(f"{CAMPAIGNS}/{campaign_id}/background")
    return RedirectResponse(f"/mailings/{campaign_id}?fait=sans-fond", status_code=303)


@router.post("/mailings/{campaign_id:int}/supprimer")
async def delete_campaign(request: Request, api: ApiClient, campaign_id: int) -> Response:
    """Delete a campaign that was never printed."""
    require_role(request, "staff")
    await api.delete(f"{CAMPAIGNS}/{campaign_id}")
    return RedirectResponse("/mailings", status_code=303)
