"""HTTP routes of render jobs: queue a campaign's, follow its progress, download the finished PDF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import StreamingResponse

from services.mailings.renders import service
from services.mailings.renders.schemas import RenderCreate, RenderRead
from shared.auth import Manager
from shared.db import Transaction
from shared.idempotency import IdempotentRoute
from shared.storage.responses import download_response

router = APIRouter(prefix="/api/mailings/renders", tags=["renders"], route_class=IdempotentRoute)
# A render is queued on its campaign's path, and the API documents it with the campaigns.
campaign_renders = APIRouter(prefix="/api/mailings/campaigns", tags=["campaigns"], route_class=IdempotentRoute)
RenderId = Annotated[int, Path(ge=1, le=2**63 - 1)]
CampaignId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/{render_id}", response_model=RenderRead)
async def get_render(render_id: RenderId, principal: Manager, session: Transaction) -> Any:
    """A render's state (queued, running, done, failed), pages done, percent and, when done, ``download_url``."""
    return await service.get_render(session, principal=principal, job_id=render_id)


@router.get(
    "/{render_id}/file",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF"}},
)
async def download_render(
    render_id: RenderId, request: Request, principal: Manager, session: Transaction
) -> StreamingResponse:
    """Download a finished render's PDF (409 while it is being rendered), streamed from the files' storage."""
    storage = service.render_storage(request.app.state.settings)
    stored, name = await service.render_file(session, principal=principal, job_id=render_id, storage=storage)
    return download_response(stored, filename=name, media_type="application/pdf")


@campaign_renders.post("/{campaign_id}/renders", response_model=RenderRead, status_code=status.HTTP_202_ACCEPTED)
async def create_render(
    campaign_id: CampaignId, body: RenderCreate, principal: Manager, session: Transaction, response: Response
) -> Any:
    """Queue the letters (one A4 page each) or the labels on a sheet format, skipping the first ``skip``
    labels of a used sheet and shifted by the account's calibration; follow it at ``href``.

    When it is done the campaign is printed (frozen) and ``mailing.rendered`` is published; a printed
    campaign may be rendered again from the same snapshot.
    """
    job = await service.create_render(session, principal=principal, campaign_id=campaign_id, data=body)
    response.headers["Location"] = job["href"]
    return job
