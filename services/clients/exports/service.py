"""Use cases of the exports: prepare a streamed CSV, queue an XLSX job, follow it, hand over its file."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.list_order import Direction, SortKey, Tab, id_is_any_of
from services.clients.base.service import account_of
from services.clients.exports import repository
from services.clients.exports.columns import Column
from services.clients.exports.repository import Cells, ExportKind
from services.clients.exports.schemas import ExportRequest
from services.clients.listing.service import count_matches, ordering_of
from services.clients.models import Account, ExportJob, outbox
from services.clients.search.filters import Clause
from services.clients.search.params import SearchParams
from services.clients.search.service import search_conditions, search_relevance
from services.clients.selections.service import query_conditions, selection_conditions
from services.clients.settings import ClientsSettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.storage import MissingObject, Storage, StoredFile, open_storage


@dataclass(frozen=True, slots=True)
class PreparedExport:
    """What an export will run: its statement, its columns and the name of its file."""

    statement: Select[Any]
    count: Select[Any]
    columns: tuple[Column, ...]
    file_name: str
    lines: bool = False  # rows are the clients' stored CSV lines


async def prepare_csv(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: ExportKind,
    search: SearchParams,
    segment_id: int | None,
    client_ids: list[int] | None,
    tab: Tab,
    sort: SortKey | None,
    direction: Direction,
) -> PreparedExport:
    """Check a list URL's search and build its CSV statement; any problem is a 4xx before the first byte."""
    account = await account_of(session, principal)
    await record_audit(
        session,
        outbox,
        principal=principal,
        action="export.downloaded",
        target=f"{kind}.csv",
        detail={"segment_id": segment_id, "client_ids": len(client_ids or []), "tab": tab},
    )
    conditions = await query_conditions(
        session,
        account_id=account.id,
        timezone=account.timezone,
        search=search,
        segment_id=segment_id,
        client_ids=client_ids,
    )
    return await prepared_export(
        session,
        account,
        kind=kind,
        cells="spreadsheet",
        search=search,
        conditions=conditions,
        tab=tab,
        sort=sort,
        direction=direction,
        extension="csv",
    )


async def prepared_export(
    session: AsyncSession,
    account: Account,
    *,
    kind: ExportKind,
    cells: Cells,
    search: SearchParams | None,
    conditions: list[Clause],
    tab: Any,
    sort: SortKey | None,
    direction: Direction,
    extension: str,
) -> PreparedExport:
    """The statements and columns of an export whose conditions are known, in the order the list shows."""
    relevance = search_relevance(search, account_id=account.id) if search is not None else None
    exact = False
    if relevance is not None and sort in (None, "relevance"):
        # Ranked only when every match is known, exactly as the list does it.
        conditions, _, _, exact = await count_matches(session, account_id=account.id, conditions=conditions)
    ordering = ordering_of(sort, direction, name_order=account.name_order, relevance=relevance, all_matches_known=exact)
    statement = repository.export_statement(
        kind=kind,
        cells=cells,
        account_id=account.id,
        timezone=account.timezone,
        name_order=account.name_order,
        tab=tab,
        conditions=conditions,
        ordering=ordering,
    )
    count = repository.count_statement(kind=kind, account_id=account.id, tab=tab, conditions=conditions)
    today = datetime.now(UTC).date().isoformat()
    return PreparedExport(
        statement,
        count,
        repository.columns_of(kind, account.name_order),
        f"{kind}-{today}.{extension}",
        lines=repository.reads_lines(kind, cells),
    )


async def create_job(session: AsyncSession, *, principal: Principal, request: ExportRequest) -> dict[str, Any]:
    """Queue an export; the selection is checked now and kept as it was asked (a segment's search today)."""
    account = await account_of(session, principal)
    selection = request.selection
    stored: dict[str, Any] = {"tab": selection.tab, "sort": request.sort, "direction": request.direction}
    # Compiled now so that a bad selection is a 422 here rather than a failed job later.
    _, search = await selection_conditions(
        session, account_id=account.id, timezone=account.timezone, selection=selection
    )
    if search is None:
        stored["client_ids"] = sorted(set(selection.client_ids or []))
    else:
        stored["search"] = search.model_dump(mode="json", exclude_defaults=True)
    job = await repository.EXPORT_JOBS.add(
        session,
        ExportJob(
            account_id=account.id, user_id=principal.user_id, kind=request.kind, format=request.format, selection=stored
        ),
    )
    await record_audit(
        session,
        outbox,
        principal=principal,
        action="export.started",
        target=f"export:{job.id}",
        detail={"kind": request.kind, "format": request.format},
    )
    return job_body(job)


async def job_statement(session: AsyncSession, *, job: ExportJob, account: Account) -> PreparedExport:
    """The statement of a queued job, from the selection it stored."""
    stored = job.selection
    search: SearchParams | None = None
    if "client_ids" in stored:
        # Ids were checked when the job was asked; one deleted since then is simply not exported.
        conditions: list[Clause] = [id_is_any_of(stored["client_ids"])]
    else:
        search = SearchParams.model_validate(stored.get("search", {}))
        conditions = await search_conditions(session, account_id=account.id, timezone=account.timezone, search=search)
    cells: Cells = "typed" if job.format == "xlsx" else "spreadsheet"
    return await prepared_export(
        session,
        account,
        # The column's check constraint admits only the export kinds.
        kind=cast(ExportKind, job.kind),
        cells=cells,
        search=search,
        conditions=conditions,
        tab=stored["tab"],
        sort=stored["sort"],
        direction=stored["direction"],
        extension=job.format,
    )


def job_body(job: ExportJob) -> dict[str, Any]:
    """An export job as the API shows it, with its progress and, once done, its download link."""
    percent = 100 if job.state == "done" else (int(job.rows_done * 100 / job.rows_total) if job.rows_total else 0)
    return {
        "id": job.id,
        "kind": job.kind,
        "format": job.format,
        "state": job.state,
        "percent": min(percent, 100),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "attempts": job.attempts,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "download_url": f"/api/clients/exports/{job.id}/file" if job.state == "done" else None,
    }


async def get_job(session: AsyncSession, *, principal: Principal, job_id: uuid.UUID) -> dict[str, Any]:
    """One job's state and progress."""
    return job_body(await _load(session, principal=principal, job_id=job_id))


async def list_jobs(session: AsyncSession, *, principal: Principal) -> list[dict[str, Any]]:
    """The account's latest jobs."""
    return [job_body(job) for job in await repository.recent_jobs(session, account_id=principal.account_id)]


def export_storage(settings: ClientsSettings) -> Storage:
    """Where export files are kept: NEGOCE_CLIENTS_EXPORT_DIR, or ``clients/exports/`` in the S3 bucket."""
    return open_storage(settings.storage, area="clients/exports", local_dir=settings.export_dir)


async def job_file(
    session: AsyncSession, *, principal: Principal, job_id: uuid.UUID, storage: Storage
) -> tuple[StoredFile, str]:
    """The finished file of a job, opened, and the name to download it under; 409 while it is not ready."""
    job = await _load(session, principal=principal, job_id=job_id)
    if job.state != "done" or not job.file_name:
        raise Conflict(f"Export {job_id} is {job.state}, not ready to download.", extra={"state": job.state})
    try:
        stored = await storage.open(job.file_name)
    except MissingObject:
        raise NotFound(f"The file of export {job_id} is no longer kept; export again.") from None
    return stored, f"{job.kind}-{job.created_at.date().isoformat()}.{job.format}"


async def _load(session: AsyncSession, *, principal: Principal, job_id: uuid.UUID) -> ExportJob:
    job = await repository.get_job(session, account_id=principal.account_id, job_id=job_id)
    if job is None:
        raise NotFound(f"Export {job_id} does not exist.")
    return job


async def rebuild_jobs_holding(session: AsyncSession, *, account_id: uuid.UUID, client_ids: list[int]) -> int:
    """Queue again the exports that may hold these erased clients, so that no file keeps them; how many."""
    return await repository.rebuild_jobs_holding(session, account_id=account_id, client_ids=client_ids)
