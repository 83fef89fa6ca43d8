"""The render worker: a process of its own that prints queued campaigns to PDF.

`python -m services.mailings.renders.worker`. The render_jobs table is the queue (the claim, lease,
fencing and retries are shared.jobs', as for the clients service's export jobs). The PDF is
drawn in a thread while the event loop renews the lease every fraction of it, reporting the pages
done; a worker that lost its lease (its attempt number is no longer the job's) stops, and its
output is never named in the job. Output goes to a per-attempt scratch file, stored under a
per-attempt key when complete and named in the job row while the row is held (shared.jobs), so a
download never sees half a PDF, and a dead worker's job is started again after its lease. An
erasure of a recipient queues the campaign's jobs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from time import monotonic

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.mailings.campaigns.images import image_storage, move_images_to_storage, sweep_images
from services.mailings.models import RenderJob
from services.mailings.renders import repository as queries
from services.mailings.renders.service import Writer, finish_render, job_printing, render_storage
from services.mailings.settings import MailingsSettings
from shared.db import JOB_WORKER_CONNECTIONS, settings_engine, unit_of_work
from shared.jobs import LeasedJobWorker, LostJob, run_until_signalled
from shared.logging import configure_logging
from shared.observability.tracing import configure_tracing

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5
# Images no campaign names wait an hour (campaigns.images): a sweep every few minutes is plenty.
IMAGE_SWEEP_SECONDS = 600.0
MOVE_IMAGES_AT_ONCE = 20


class RenderWorker(LeasedJobWorker[RenderJob]):
    """Claims render jobs one at a time and writes their PDFs."""

    name = "render"

    def __init__(self, settings: MailingsSettings, engine: AsyncEngine | None = None) -> None:
        super().__init__(
            engine=engine or settings_engine(settings, pool_size=JOB_WORKER_CONNECTIONS),
            queue=queries.RENDER_JOBS,
            lease_seconds=settings.render_lease_seconds,
            poll_seconds=settings.render_poll_seconds,
            max_attempts=settings.render_max_attempts,
            retention_hours=settings.render_retention_hours,
            storage=render_storage(settings),
        )
        # The campaigns' background images, which the letters are drawn on, and which this worker tidies.
        self.images = image_storage(settings)
        self._next_image_sweep = 0.0

    async def build(self, job: RenderJob) -> None:
        """Draw the job's PDF into a per-attempt file, put it in place and mark the job done, in one step."""
        part, key = await self.attempt_files(job, "pdf")
        async with unit_of_work(self.sessions) as session:
            printing = await job_printing(session, job=job, images=self.images)
        try:
            pages = await self._write(job, printing.writer, part)

            async def finish(session: AsyncSession, size: int) -> bool:
                return await finish_render(
                    session, job=job, printing=printing, file_name=key, file_size=size, pages=pages
                )

            if not await self.put_in_place(job, part, key, finish):
                log.info("render %s: a recipient was erased while it was drawn; drawing it again", job.id)
                return
        finally:
            part.unlink(missing_ok=True)
        log.info("render %s: %d pages in %s", job.id, pages, key)

    async def clean_up(self) -> None:
        """Expired jobs and stale files (shared.jobs), then, every few minutes, the campaigns' images."""
        await super().clean_up()
        if monotonic() >= self._next_image_sweep:
            self._next_image_sweep = monotonic() + IMAGE_SWEEP_SECONDS
            await self.tidy_images()

    async def tidy_images(self) -> None:
        """Move images still held in the database into the storage; delete stored images no campaign names."""
        moved = MOVE_IMAGES_AT_ONCE
        while moved == MOVE_IMAGES_AT_ONCE:
            async with unit_of_work(self.sessions) as session:
                moved = await move_images_to_storage(session, images=self.images, limit=MOVE_IMAGES_AT_ONCE)
            if moved:
                log.info("moved %d campaign images from the database into the storage", moved)
        async with unit_of_work(self.sessions) as session:
            swept = await sweep_images(session, images=self.images)
        if swept:
            log.info("deleted %d stored campaign images no campaign names", swept)

    async def _write(self, job: RenderJob, writer: Writer, part: Path) -> int:
        progress = _Progress(self, job)
        heartbeat = asyncio.create_task(progress.beat())
        try:
            with part.open("wb") as out:
                pages = await asyncio.to_thread(writer, out, progress.update)
                out.flush()
                os.fsync(out.fileno())
        finally:
            progress.stopped = True
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        # The pages done, and a LostJob now rather than at the rename if another attempt owns the job.
        await progress.report()
        return pages


class _Progress:
    """Pages done, set by the rendering thread and reported by the event loop, which renews the lease."""

    def __init__(self, worker: RenderWorker, job: RenderJob) -> None:
        self.worker, self.job = worker, job
        self.pages_done = 0
        self.lost = False
        self.stopped = False
        self.interval = min(PROGRESS_EVERY_SECONDS, worker.lease.total_seconds() / 3)

    def update(self, pages_done: int) -> None:
        """Called from the rendering thread; stops the rendering once the job is lost."""
        if self.lost:
            raise LostJob
        self.pages_done = pages_done

    async def beat(self) -> None:
        """Report every interval while the thread renders, renewing the lease."""
        while not self.stopped:
            await self.report()
            await asyncio.sleep(self.interval)

    async def report(self) -> None:
        """Write the pages done and renew the lease; LostJob once another attempt owns the job."""
        async with unit_of_work(self.worker.sessions) as session:
            owned = await queries.record_pages(
                session, job=self.job, pages_done=self.pages_done, lease=self.worker.lease
            )
        if not owned:
            self.lost = True
            raise LostJob


async def run_worker(settings: MailingsSettings | None = None) -> None:
    """Run a render worker until SIGTERM or SIGINT."""
    settings = settings or MailingsSettings()
    configure_logging(service="mailings-render-worker", level=settings.log_level)
    configure_tracing("mailings-render-worker")  # before the worker's engine exists, so its queries are traced
    log.info("render worker started, storing with the %s backend", settings.storage.backend)
    await run_until_signalled(RenderWorker(settings))


if __name__ == "__main__":
    asyncio.run(run_worker())
