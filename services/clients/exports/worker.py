"""The export worker: a process of its own that builds queued spreadsheets.

The export_jobs table is the queue, so asking for an export is one INSERT in the request's
transaction (no message to lose). A worker claims a job with FOR UPDATE SKIP LOCKED and a lease
that each progress report renews; if the worker dies, the lease runs out and the next claim
starts the job again from the beginning. Files are written under a temporary name and renamed
when complete, so a download never sees half a file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from services.clients import repository
from services.clients.exports import queries, service
from services.clients.exports.csv_stream import copy_chunks, header_line
from services.clients.exports.xlsx import XlsxSheet
from services.clients.models import ExportJob
from services.clients.settings import ClientsSettings
from shared.db import create_engine, create_sessionmaker, unit_of_work
from shared.errors import ProblemError

log = logging.getLogger(__name__)
BATCH_ROWS = 2_000
PROGRESS_EVERY_SECONDS = 0.5


class LostJob(Exception):
    """Another worker took the job over (this one was too slow to renew its lease)."""


class ExportWorker:
    """Claims export jobs one at a time and builds their files."""

    def __init__(self, settings: ClientsSettings, engine: AsyncEngine | None = None) -> None:
        self.settings = settings
        self.engine = engine or create_engine(settings.database_url, pool_size=2)
        self.sessions = create_sessionmaker(self.engine)
        self.lease = timedelta(seconds=settings.export_lease_seconds)
        self.export_dir = settings.export_dir

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set: build jobs as they come, clean up old files when idle."""
        self.export_dir.mkdir(parents=True, exist_ok=True)
        while not stop.is_set():
            if await self.run_once():
                continue
            await self.clean_up()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.export_poll_seconds)
            except TimeoutError:
                pass

    async def run_once(self) -> bool:
        """Build the next job if there is one; False when the queue is empty."""
        async with unit_of_work(self.sessions) as session:
            job = await queries.claim_job(session, lease=self.lease)
        if job is None:
            return False
        log.info("export %s: attempt %d", job.id, job.attempts)
        try:
            await self._build(job)
        except LostJob:
            log.warning("export %s: taken over by another worker", job.id)
        except Exception as problem:  # noqa: BLE001 - any failure is recorded on the job, never lost
            log.exception("export %s failed", job.id)
            await self._failed(job, problem)
        return True

    async def _build(self, job: ExportJob) -> None:
        for stale in self.export_dir.glob(f"{job.id}.*.part"):
            shutil.rmtree(stale, ignore_errors=True)  # left by an attempt whose worker died
        work_dir = self.export_dir / f"{job.id}.{job.attempts}.part"
        work_dir.mkdir()
        part = work_dir / f"export.{job.format}"
        final = f"{job.id}.{job.format}"
        try:
            async with self.engine.connect() as connection:
                # One snapshot for the count and the rows, so the progress adds up.
                connection = await connection.execution_options(isolation_level="REPEATABLE READ")
                async with connection.begin():
                    rows = await self._write(job, connection, part)
            _sync(part)
            os.replace(part, self.export_dir / final)
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
        async with unit_of_work(self.sessions) as session:
            if not await queries.finish_job(session, job_id=job.id, attempt=job.attempts, state="done",
                                            file_name=final, file_size=(self.export_dir / final).stat().st_size,
                                            rows_done=rows, rows_total=rows):
                raise LostJob
        log.info("export %s: %d rows in %s", job.id, rows, final)

    async def _write(self, job: ExportJob, connection: AsyncConnection, part: Path) -> int:
        session = AsyncSession(bind=connection)
        account = await repository.get_account(session, account_id=job.account_id)
        if account is None:
            raise ProblemError(f"account {job.account_id} no longer exists")
        prepared = await service.job_statement(session, job=job, account=account)
        progress = _Progress(self, job, await session.scalar(prepared.count) or 0)
        await progress.report(0)
        if job.format == "xlsx":
            sheet = XlsxSheet(part, prepared.columns, work_dir=part.parent)
            result = await connection.stream(prepared.statement.execution_options(yield_per=BATCH_ROWS))
            async for rows in result.partitions():
                sheet.add_rows(rows)
                await progress.maybe_report(sheet.rows)
            await asyncio.to_thread(sheet.close)
            return sheet.rows
        written = 0
        with part.open("wb") as out:
            out.write(header_line(prepared.columns))
            async for chunk in copy_chunks(connection, prepared.statement):
                out.write(chunk)
                written += chunk.count(b"\n")
                await progress.maybe_report(min(written - 1, progress.total))
        return max(written - 1, 0)

    async def _failed(self, job: ExportJob, problem: Exception) -> None:
        # A bad selection will not get better; anything else (database restart...) is tried again.
        final = isinstance(problem, ProblemError) or job.attempts >= self.settings.export_max_attempts
        async with unit_of_work(self.sessions) as session:
            if final:
                await queries.finish_job(session, job_id=job.id, attempt=job.attempts, state="failed",
                                         error=str(problem)[:2000])
            else:
                await queries.retry_later(session, job_id=job.id, attempt=job.attempts,
                                          after=timedelta(seconds=5 * job.attempts), error=str(problem)[:2000])

    async def clean_up(self) -> None:
        """Delete jobs (and their files) finished longer ago than the retention."""
        cutoff = datetime.now(UTC) - timedelta(hours=self.settings.export_retention_hours)
        async with unit_of_work(self.sessions) as session:
            for job in await queries.expired_jobs(session, finished_before=cutoff):
                if job.file_name:
                    (self.export_dir / job.file_name).unlink(missing_ok=True)
                await session.delete(job)


class _Progress:
    """Reports rows done at most twice a second; each report renews the lease."""

    def __init__(self, worker: ExportWorker, job: ExportJob, total: int) -> None:
        self.worker, self.job, self.total = worker, job, total
        self.last = 0.0

    async def maybe_report(self, rows_done: int) -> None:
        if monotonic() - self.last >= PROGRESS_EVERY_SECONDS:
            await self.report(rows_done)

    async def report(self, rows_done: int) -> None:
        self.last = monotonic()
        async with unit_of_work(self.worker.sessions) as session:
            if not await queries.record_progress(session, job_id=self.job.id, attempt=self.job.attempts,
                                                 rows_done=rows_done, rows_total=self.total, lease=self.worker.lease):
                raise LostJob


def _sync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


async def run_worker(settings: ClientsSettings | None = None) -> None:
    """Entry point of `negoce clients export-worker`: run until SIGTERM or SIGINT."""
    import signal

    worker = ExportWorker(settings or ClientsSettings())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await worker.run(stop)
    finally:
        await worker.engine.dispose()

