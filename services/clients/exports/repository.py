"""Queries of the exports: the rows of a selection, and the export jobs (their queue is shared.leased_jobs')."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import Select, cast, func, not_, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.list_order import Ordering, Tab, listed
from services.clients.exports.columns import (
    CLIENT_COLUMNS,
    CategoryRow,
    Column,
    contact_columns,
    spreadsheet_cell,
    typed_cell,
)
from services.clients.models import Client, Contact, ExportJob
from services.clients.search.filters import Clause
from shared.leased_jobs import LeasedJobQueue

ExportKind = Literal["clients", "contacts"]
Cells = Literal["spreadsheet", "typed"]
_DIALECT = asyncpg_dialect.dialect()
# The export jobs' queue (claim, lease, fencing, retries); a new attempt counts its rows again.
EXPORT_JOBS = LeasedJobQueue(ExportJob, restart={"rows_done": 0, "rows_total": None})


def reads_lines(kind: ExportKind, cells: Cells) -> bool:
    """Whether an export's rows are the clients' stored CSV lines rather than cells."""
    return kind == "clients" and cells == "spreadsheet"


def columns_of(kind: ExportKind, name_order: str) -> tuple[Column, ...]:
    """The columns of a clients or contacts export."""
    # The ignore: an account's name_order is a plain string column, which a CHECK keeps to the two NameOrders.
    return CLIENT_COLUMNS if kind == "clients" else contact_columns(name_order)  # type: ignore[arg-type]


def export_statement(
    *,
    kind: ExportKind,
    cells: Cells,
    account_id: uuid.UUID,
    timezone: str,
    name_order: str,
    tab: Tab,
    conditions: Sequence[Clause],
    ordering: Ordering,
) -> Select[Any]:
    """The rows of an export in the list's order: the same conditions as the list, so the same clients.

    A clients CSV reads each client's stored line (services.clients.exports.lines); the other
    exports format their cells here.
    """
    make = spreadsheet_cell if cells == "spreadsheet" else typed_cell
    values = [make(column, timezone).label(f"c{n}") for n, column in enumerate(columns_of(kind, name_order))]
    ordered = ordering.order_by()
    where = listed(account_id, tab, conditions)
    if reads_lines(kind, cells):
        return select(Client.export_line).where(*where).order_by(*ordered)
    if kind == "clients":
        query = select(*values).select_from(Client).outerjoin(CategoryRow, CategoryRow.id == Client.category_id)
        return query.where(*where).order_by(*ordered)
    query = select(*values).select_from(Contact).join(Client, Client.id == Contact.client_id)
    return query.where(*where, Contact.account_id == account_id).order_by(*ordered, Contact.id)


def count_statement(*, kind: ExportKind, account_id: uuid.UUID, tab: Tab, conditions: Sequence[Clause]) -> Select[Any]:
    """How many rows an export will have (for its progress)."""
    where = listed(account_id, tab, conditions)
    if kind == "clients":
        return select(func.count()).select_from(Client).where(*where)
    return (
        select(func.count())
        .select_from(Contact)
        .join(Client, Client.id == Contact.client_id)
        .where(*where, Contact.account_id == account_id)
    )


def for_asyncpg(statement: Select[Any]) -> tuple[str, list[Any]]:
    """SQL text with $n placeholders and its arguments, for asyncpg's COPY (which takes no ORM statement)."""
    compiled = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args = []
    for name in compiled.positiontup or ():
        # An expanded IN list ('tag_id_1_1'...) has no bind of its own: its values are plain ids.
        bind = compiled.binds.get(name)
        processor = bind.type.bind_processor(_DIALECT) if bind is not None else None
        args.append(processor(params[name]) if processor else params[name])
    return str(compiled), args


async def get_job(session: AsyncSession, *, account_id: uuid.UUID, job_id: uuid.UUID) -> ExportJob | None:
    """One export job of the account."""
    return await session.scalar(select(ExportJob).where(ExportJob.account_id == account_id, ExportJob.id == job_id))


async def recent_jobs(session: AsyncSession, *, account_id: uuid.UUID, limit: int = 50) -> list[ExportJob]:
    """The account's latest export jobs, newest first."""
    return list(
        await session.scalars(
            select(ExportJob)
            .where(ExportJob.account_id == account_id)
            .order_by(ExportJob.created_at.desc())
            .limit(limit)
        )
    )


async def rebuild_jobs_holding(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Sequence[int]) -> int:
    """Queue again the account's exports that may hold these (erased) clients; how many.

    Finished ones are built again without them (the next attempt removes the old file first);
    running ones lose their attempt, so their file is never put in place; queued ones stay locked
    until the erasure commits. An export of explicit ids holds only those ids.
    """
    chosen = ExportJob.selection["client_ids"]
    may_hold = or_(
        not_(ExportJob.selection.has_key("client_ids")),
        *(chosen.contains(cast([client_id], JSONB)) for client_id in client_ids),
    )
    return await EXPORT_JOBS.requeue(session, ExportJob.account_id == account_id, may_hold, rows_done=0)


async def record_rows(
    session: AsyncSession, *, job: ExportJob, rows_done: int, rows_total: int | None, lease: timedelta
) -> bool:
    """Report an attempt's rows done and renew its lease; False when another attempt owns the job."""
    return await EXPORT_JOBS.renew(session, job, lease=lease, rows_done=rows_done, rows_total=rows_total)


async def finish_export(session: AsyncSession, *, job: ExportJob, file_name: str, file_size: int, rows: int) -> bool:
    """Mark an attempt's export done with its file and row count; False when another attempt owns the job."""
    done = await EXPORT_JOBS.finish(
        session,
        job,
        state="done",
        file_name=file_name,
        file_size=file_size,
        rows_done=rows,
        rows_total=rows,
        error=None,
    )
    return done is not None
