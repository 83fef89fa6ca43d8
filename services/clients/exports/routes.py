"""HTTP routes of the exports of the base or a selection: CSV streamed now, XLSX (or CSV) built in the background."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import StreamingResponse

from services.clients.base.list_order import SORT_DESCRIPTION, Direction, SortKey, Tab
from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.exports import service
from services.clients.exports.csv_stream import stream_csv
from services.clients.exports.repository import ExportKind
from services.clients.exports.schemas import ExportJobRead, ExportRequest
from services.clients.search.params import SearchParams
from services.clients.selections.schemas import MAX_URL_CLIENT_IDS
from shared.auth import Manager
from shared.db import Transaction
from shared.idempotency import IdempotentRoute
from shared.storage.responses import download_response

router = APIRouter(prefix="/api/clients/exports", tags=["exports"], route_class=IdempotentRoute)
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/{kind}.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV for French Excel"}},
)
async def export_csv(
    kind: ExportKind,
    request: Request,
    principal: Manager,
    session: Transaction,
    search: Annotated[SearchParams, Query()] = SearchParams(),
    segment_id: Annotated[int | None, Query(ge=1, le=DB_BIGINT_MAX)] = None,
    client_ids: Annotated[
        list[Annotated[int, Query(ge=1, le=DB_BIGINT_MAX)]] | None, Query(max_length=MAX_URL_CLIENT_IDS)
    ] = None,
    tab: Tab = "all",
    sort: Annotated[SortKey | None, Query(description=SORT_DESCRIPTION)] = None,
    direction: Direction = "asc",
) -> StreamingResponse:
    """Stream the clients (or their contacts) that the list shows for the same parameters, as CSV."""
    prepared = await service.prepare_csv(
        session,
        principal=principal,
        kind=kind,
        search=search,
        segment_id=segment_id,
        client_ids=client_ids,
        tab=tab,
        sort=sort,
        direction=direction,
    )
    return StreamingResponse(
        stream_csv(request.app.state.context.engine, prepared.statement, prepared.columns, lines=prepared.lines),
        media_type=MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{prepared.file_name}"'},
    )


@router.post("", response_model=ExportJobRead, status_code=status.HTTP_202_ACCEPTED)
async def create_export(body: ExportRequest, principal: Manager, session: Transaction) -> Any:
    """Queue a spreadsheet of a selection (whole base, search, segment or ids); follow it by its id."""
    return await service.create_job(session, principal=principal, request=body)


@router.get("", response_model=list[ExportJobRead])
async def list_exports(principal: Manager, session: Transaction) -> Any:
    """The account's latest exports, newest first."""
    return await service.list_jobs(session, principal=principal)


@router.get("/{job_id}", response_model=ExportJobRead)
async def get_export(job_id: uuid.UUID, principal: Manager, session: Transaction) -> Any:
    """An export's state and progress (percent and rows done)."""
    return await service.get_job(session, principal=principal, job_id=job_id)


@router.get(
    "/{job_id}/file",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}, "text/csv": {}}}},
)
async def download_export(
    job_id: uuid.UUID, request: Request, principal: Manager, session: Transaction
) -> StreamingResponse:
    """Download a finished export (409 while it is being built), streamed from the files' storage."""
    storage = service.export_storage(request.app.state.context.settings)
    stored, name = await service.job_file(session, principal=principal, job_id=job_id, storage=storage)
    return download_response(stored, filename=name, media_type=MEDIA_TYPES[name.rsplit(".", 1)[1]])
