"""Queries of the exports: the rows of a selection, and the export jobs' queue."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Select, cast, func, not_, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.exports.columns import (
    CLIENT_COLUMNS,
    CategoryRow,
    Column,
    contact_columns,
    spreadsheet_cell,
    typed_cell,
)
from services.clients.list_queries import Ordering, Tab, listed
from services.clients.models import Client, Contact, ExportJob
from services.clients.search.filters import Clause

ExportKind = Literal["clients", "contacts"]
Cells = Literal["spreadsheet", "typed"]
_DIALECT = asyncpg_dialect.dialect()


def reads_lines(kind: ExportKind, cells: Cells) -> bool:
    """Whether an export's rows are the clients' stored CSV lines rather than cells."""
    return kind == "clients" and cells == "spreadsheet"


def columns_of(kind: ExportKind, name_order: str) -> tuple[Column, ...]:
    """The columns of a clients or contacts export."""
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


async def claim_job(session: AsyncSession, *, lease: timedelta) -> ExportJob | None:
    """Take the oldest job that is queued, or running under an expired lease (its worker died)."""
    now = datetime.now(UTC)
    ready = (
        select(ExportJob.id)
        .where(ExportJob.state.in_(("queued", "running")), ExportJob.lease_until <= now)
        .order_by(ExportJob.lease_until)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return await session.scalar(
        update(ExportJob)
        .where(ExportJob.id == ready)
        .values(state="running", attempts=ExportJob.attempts + 1, lease_until=now + lease, rows_done=0, rows_total=None)
        .returning(ExportJob)
    )


async def record_progress(
    session: AsyncSession, *, job_id: uuid.UUID, attempt: int, rows_done: int, rows_total: int | None, lease: timedelta
) -> bool:
    """Report progress and renew the lease; False when another worker has taken the job over."""
    result = await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.attempts == attempt, ExportJob.state == "running")
        .values(rows_done=rows_done, rows_total=rows_total, lease_until=datetime.now(UTC) + lease)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def finish_job(session: AsyncSession, *, job_id: uuid.UUID, attempt: int, **values: Any) -> bool:
    """Mark a job done or failed, only if this attempt still owns it."""
    result = await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.attempts == attempt, ExportJob.state == "running")
        .values(finished_at=datetime.now(UTC), **values)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def retry_later(
    session: AsyncSession, *, job_id: uuid.UUID, attempt: int, after: timedelta, error: str | None
) -> None:
    """Put a failed attempt back in the queue, to be claimed again once ``after`` has passed."""
    await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.attempts == attempt, ExportJob.state == "running")
        .values(state="queued", lease_until=datetime.now(UTC) + after, error=error)
    )


async def expired_jobs(session: AsyncSession, *, finished_before: datetime) -> list[ExportJob]:
    """Finished jobs past their retention, locked for deletion."""
    return list(
        await session.scalars(
            select(ExportJob)
            .where(ExportJob.state.in_(("done", "failed")), ExportJob.finished_at < finished_before)
            .limit(100)
            .with_for_update(skip_locked=True)
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
    result = await session.execute(
        update(ExportJob)
        .where(ExportJob.account_id == account_id, ExportJob.state.in_(("queued", "running", "done")), may_hold)
        .values(state="queued", lease_until=func.now(), rows_done=0)
    )
    return result.rowcount  # type: ignore[attr-defined, no-any-return]


async def hold_job(session: AsyncSession, *, job_id: uuid.UUID, attempt: int) -> bool:
    """Lock a job until commit if this attempt still owns it (its file may then be put in place)."""
    return (
        await session.scalar(
            select(ExportJob.id)
            .where(ExportJob.id == job_id, ExportJob.attempts == attempt, ExportJob.state == "running")
            .with_for_update()
        )
        is not None
    )


async def current_attempts(session: AsyncSession, *, job_ids: Sequence[str]) -> dict[str, int]:
    """The current attempt of each of these jobs that exists, by id as written in file names."""
    ids = []
    for job_id in job_ids:
        with contextlib.suppress(ValueError):
            ids.append(uuid.UUID(job_id))
    rows = await session.execute(select(ExportJob.id, ExportJob.attempts).where(ExportJob.id.in_(ids)))
    return {str(job_id): attempts for job_id, attempts in rows.all()}
