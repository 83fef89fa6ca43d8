"""Queries of render jobs: the request side, and what a render reports and stores (the queue is shared.leased_jobs')."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.models import RenderJob
from shared.leased_jobs import LeasedJobQueue

# The render jobs' queue (claim, lease, fencing, retries); a new attempt counts its pages again.
RENDER_JOBS = LeasedJobQueue(RenderJob, restart={"pages_done": 0})


async def add_job(session: AsyncSession, job: RenderJob) -> RenderJob:
    """Queue a job: the row is the queue, committed with the request."""
    return await RENDER_JOBS.add(session, job)


async def get_job(session: AsyncSession, *, account_id: uuid.UUID, job_id: int) -> RenderJob | None:
    """One render job of the account."""
    return await session.scalar(select(RenderJob).where(RenderJob.account_id == account_id, RenderJob.id == job_id))


async def record_pages(session: AsyncSession, *, job: RenderJob, pages_done: int, lease: timedelta) -> bool:
    """Report an attempt's pages done and renew its lease; False when another attempt owns the job (or it is gone)."""
    return await RENDER_JOBS.renew(session, job, lease=lease, pages_done=pages_done)


async def finish_render_job(
    session: AsyncSession, *, job: RenderJob, file_name: str, file_size: int, pages: int
) -> RenderJob | None:
    """Mark an attempt's render done with its PDF and page count; the finished row, or None when fenced out."""
    return await RENDER_JOBS.finish(
        session,
        job,
        state="done",
        file_name=file_name,
        file_size=file_size,
        pages_done=pages,
        pages_total=pages,
        error=None,
    )


async def redo_jobs_of(session: AsyncSession, *, campaign_ids: Sequence[int]) -> None:
    """Queue again the render jobs of these campaigns, after a recipient's erasure.

    A finished job's PDF is drawn again without the erased client; ``finished_at`` stays: it tells
    the next finish that the campaign was printed already.
    """
    if campaign_ids:
        await RENDER_JOBS.requeue(session, RenderJob.campaign_id.in_(campaign_ids), pages_done=0)
