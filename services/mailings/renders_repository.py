"""Queries of render jobs: the request side, and the worker's claim, lease, progress and finish (fenced)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.models import RenderJob


async def add_job(session: AsyncSession, job: RenderJob) -> RenderJob:
    """Queue a job: the row is the queue, committed with the request."""
    session.add(job)
    await session.flush()
    await session.refresh(job)
    return job


async def get_job(session: AsyncSession, *, account_id: uuid.UUID, job_id: int) -> RenderJob | None:
    """One render job of the account."""
    return await session.scalar(select(RenderJob).where(RenderJob.account_id == account_id, RenderJob.id == job_id))


async def claim_job(session: AsyncSession, *, lease: timedelta) -> RenderJob | None:
    """Take the oldest job that is queued, or running under an expired lease (its worker died).

    SKIP LOCKED lets workers claim side by side; the attempt number it bumps fences the old worker out.
    """
    now = datetime.now(UTC)
    ready = (
        select(RenderJob.id)
        .where(RenderJob.state.in_(("queued", "running")), RenderJob.lease_until <= now)
        .order_by(RenderJob.lease_until)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return await session.scalar(
        update(RenderJob)
        .where(RenderJob.id == ready)
        .values(state="running", attempts=RenderJob.attempts + 1, lease_until=now + lease, pages_done=0)
        .returning(RenderJob)
    )


async def record_progress(
    session: AsyncSession, *, job_id: int, attempt: int, pages_done: int, lease: timedelta
) -> bool:
    """Report pages done and renew the lease; False when another worker took the job over (or it was deleted)."""
    result = await session.execute(
        update(RenderJob)
        .where(RenderJob.id == job_id, RenderJob.attempts == attempt, RenderJob.state == "running")
        .values(pages_done=pages_done, lease_until=datetime.now(UTC) + lease)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


async def finish_job(session: AsyncSession, *, job_id: int, attempt: int, **values: Any) -> RenderJob | None:
    """Mark a job done or failed, only if this attempt still owns it; the finished row, else None."""
    return await session.scalar(
        update(RenderJob)
        .where(RenderJob.id == job_id, RenderJob.attempts == attempt, RenderJob.state == "running")
        .values(finished_at=datetime.now(UTC), **values)
        .returning(RenderJob)
    )


async def retry_later(session: AsyncSession, *, job_id: int, attempt: int, after: timedelta, error: str | None) -> None:
    """Put a failed attempt back in the queue, to be claimed again once ``after`` has passed."""
    await session.execute(
        update(RenderJob)
        .where(RenderJob.id == job_id, RenderJob.attempts == attempt, RenderJob.state == "running")
        .values(state="queued", lease_until=datetime.now(UTC) + after, error=error)
    )


async def expired_jobs(session: AsyncSession, *, finished_before: datetime) -> list[RenderJob]:
    """Finished jobs past their retention, locked for deletion."""
    return list(
        await session.scalars(
            select(RenderJob)
            .where(RenderJob.state.in_(("done", "failed")), RenderJob.finished_at < finished_before)
            .limit(100)
            .with_for_update(skip_locked=True)
        )
    )


async def redo_jobs_of(session: AsyncSession, *, campaign_ids: Sequence[int]) -> None:
    """Queue again the render jobs of these campaigns, after a recipient's erasure.

    A finished job's PDF is drawn again without the erased client (the next attempt removes the
    old file first); a running one loses its attempt, so its PDF is never put in place; a queued
    one stays locked until the erasure commits. ``finished_at`` stays: it tells the next finish
    that the campaign was printed already.
    """
    if campaign_ids:
        await session.execute(
            update(RenderJob)
            .where(RenderJob.campaign_id.in_(campaign_ids), RenderJob.state.in_(("queued", "running", "done")))
            .values(state="queued", lease_until=func.now(), pages_done=0)
        )


async def hold_job(session: AsyncSession, *, job_id: int, attempt: int) -> bool:
    """Lock a job until commit if this attempt still owns it (its file may then be put in place)."""
    return (
        await session.scalar(
            select(RenderJob.id)
            .where(RenderJob.id == job_id, RenderJob.attempts == attempt, RenderJob.state == "running")
            .with_for_update()
        )
        is not None
    )


async def current_attempts(session: AsyncSession, *, job_ids: Sequence[str]) -> dict[str, int]:
    """The current attempt of each of these jobs that exists, by id as written in file names."""
    ids = [int(job_id) for job_id in job_ids if job_id.isdigit()]
    rows = await session.execute(select(RenderJob.id, RenderJob.attempts).where(RenderJob.id.in_(ids)))
    return {str(job_id): attempts for job_id, attempts in rows.all()}
