"""HTTP routes of render jobs: progress and the finished PDF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse

from services.mailings import renders_service
from services.mailings.campaigns_schemas import RenderRead
from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/mailings/renders", tags=["renders"], route_class=IdempotentRoute)
RenderId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/{render_id}", response_model=RenderRead)
async def get_render(render_id: RenderId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """A render's state (queued, running, done, failed), pages done, percent and, when done, ``download_url``."""
    return await renders_service.get_render(session, principal=principal, job_id=render_id)


@router.get(
    "/{render_id}/file",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF"}},
)
async def download_render(
    render_id: RenderId, request: Request, principal: CurrentPrincipal, session: Transaction
) -> FileResponse:
    """Download a finished render's PDF (409 while it is being rendered)."""
    path, name = await renders_service.render_file(
        session, principal=principal, job_id=render_id, render_dir=request.app.state.settings.render_dir
    )
    return FileResponse(path, filename=name, media_type="application/pdf")
