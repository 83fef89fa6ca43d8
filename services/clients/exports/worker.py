"""The export worker: a process of its own that builds queued spreadsheets.

The export_jobs table is the queue (the claim, lease, fencing and retries are shared.jobs').
Files are written on scratch, stored under a per-attempt key, and named in the job row only by the
transaction that holds the row while the attempt owns it: a download never sees half a file, and a
worker that lost its job never gets its file named (shared.jobs.LeasedJobWorker.put_in_place).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from datetime import timedelta
from pathlib import Path
from time import monotonic

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from services.clients.base import repository
from services.clients.exports import repository as exports_repository
from services.clients.exports import service
from services.clients.exports.csv_stream import csv_chunks, header_line
from services.clients.exports.xlsx import XlsxSheet
from services.clients.models import ExportJob
from services.clients.settings import ClientsSettings
from shared.db import JOB_WORKER_CONNECTIONS, settings_engine, unit_of_work
from shared.errors import ProblemError
from shared.jobs import LeasedJobWorker, LostJob, run_until_signalled
from shared.logging import configure_logging
from shared.observability.tracing import configure_tracing

log = logging.getLogger(__name__)
BATCH_ROWS = 2_000
PROGRESS_EVERY_SECONDS = 0.5


class ExportWorker(LeasedJobWorker[ExportJob]):
    """Claims export jobs one at a time and builds their files."""

    name = "export"

    def __init__(self, settings: ClientsSettings, engine: AsyncEngine | None = None) -> None:
        super().__init__(
            engine=engine or settings_engine(settings, pool_size=JOB_WORKER_CONNECTIONS),
            queue=exports_repository.EXPORT_JOBS,
            lease_seconds=settings.export_lease_seconds,
            poll_seconds=settings.export_poll_seconds,
            max_attempts=settings.export_max_attempts,
            retention_hours=settings.export_retention_hours,
            storage=service.export_storage(settings),
        )

    async def build(self, job: ExportJob) -> None:
        """Write the job's file for this attempt, put it in place and mark the job done, in one step.

        The file is built from one snapshot. If a client of the account was erased after it was
        taken, the file may still hold that client: the job goes back to the queue instead.
        """
        work_dir, key = await self.attempt_files(job, job.format)
        work_dir.mkdir()
        part = work_dir / f"export.{job.format}"
        try:
            async with self.engine.connect() as connection:
                # One snapshot for the count and the rows, so the progress adds up.
                connection = await connection.execution_options(isolation_level="REPEATABLE READ")
                async with connection.begin():
                    rows, erasures = await self._write(job, connection, part)
            _sync(part)

            async def finish(session: AsyncSession, size: int) -> bool:
                if await repository.erasures_seen(session, account_id=job.account_id) != erasures:
                    await exports_repository.EXPORT_JOBS.retry_later(session, job, after=timedelta(0), error=None)
                    return False
                return await exports_repository.finish_export(
                    session, job=job, file_name=key, file_size=size, rows=rows
                )

            if not await self.put_in_place(job, part, key, finish):
                log.info("export %s: a client was erased while it was built; building it again", job.id)
                return
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
        log.info("export %s: %d rows in %s", job.id, rows, key)

    async def _write(self, job: ExportJob, connection: AsyncConnection, part: Path) -> tuple[int, int]:
        """Write the file; the rows written and the account's erasure count in the snapshot read."""
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
            return sheet.rows, account.erasures
        written = 0
        with part.open("wb") as out:
            out.write(header_line(prepared.columns))
            async for chunk in csv_chunks(connection, prepared.statement, lines=prepared.lines):
                out.write(chunk)
                written += chunk.count(b"\n")
                await progress.maybe_report(min(written - 1, progress.total))
        return max(written - 1, 0), account.erasures


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
            if not await exports_repository.record_rows(
                session, job=self.job, rows_done=rows_done, rows_total=self.total, lease=self.worker.lease
            ):
                raise LostJob


def _sync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


async def run_worker(settings: ClientsSettings | None = None) -> None:
    """Entry point of `negoce clients export-worker`: run until SIGTERM or SIGINT, logging JSON."""
    settings = settings or ClientsSettings()
    configure_logging(service="clients-export-worker", level=settings.log_level)
    configure_tracing("clients-export-worker")  # before the worker's engine exists, so its queries are traced
    await run_until_signalled(ExportWorker(settings))
