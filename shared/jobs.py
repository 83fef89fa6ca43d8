"""Background jobs whose queue is a table: claimed under a lease, fenced by attempt, retried, cleaned up.

The clients' export worker and the mailings' render worker share this loop (and the queue's
queries, shared.leased_jobs). Asking for a job is one INSERT in the request's transaction (no
message to lose); a worker claims it with FOR UPDATE SKIP LOCKED and a lease that each progress
report renews. If the worker dies, the lease runs out
and the next claim starts the job again; the attempt number fences out a worker that lost it.

Files go through shared.storage (a local folder or an S3 bucket). An attempt writes its file on local
scratch, stores it under its own key ``{id}.{attempt}.ext``, and only then records that key in the
job row, in the transaction that holds the row while the attempt still owns it. Whatever step a
crash interrupts, what is left is an object no row names: the job's next attempt removes its
older attempts' objects first, and an idle worker removes those of attempts older than their job's.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic
from typing import Any, Generic

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.db import create_sessionmaker, unit_of_work
from shared.errors import ProblemError
from shared.leased_jobs import J, LeasedJobQueue, leased
from shared.observability.metrics import JOB_DURATION, JOBS_FINISHED, serve_metrics
from shared.observability.tracing import tracer
from shared.storage import Storage
from shared.waiting import wait_until_set

log = logging.getLogger(__name__)


class LostJob(Exception):
    """Another worker took the job over (this one was too slow to renew its lease), or it was deleted."""


class LeasedJobWorker(ABC, Generic[J]):
    """Claims jobs one at a time from its queue and runs ``build`` on each; subclasses say what building means."""

    name = "job"

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        queue: LeasedJobQueue[J],
        lease_seconds: float,
        poll_seconds: float,
        max_attempts: int,
        retention_hours: float,
        storage: Storage,
    ) -> None:
        self.engine = engine
        self.sessions = create_sessionmaker(engine)
        self.queue = queue
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.retention = timedelta(hours=retention_hours)
        self.storage = storage
        # Where attempts write before storing; for the local backend, the storage's own folder.
        self.scratch_dir = storage.scratch_dir
        self._next_sweep = 0.0

    @abstractmethod
    async def build(self, job: J) -> None:
        """Produce the job's file and mark it done; raise LostJob if another attempt owns it."""

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set: run jobs as they come, clean up old files when idle."""
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        while not stop.is_set():
            try:
                if await self.run_once():
                    continue
                await self.clean_up()
            except Exception:
                log.exception("%s worker: poll failed", self.name)
            await wait_until_set(stop, timeout=self.poll_seconds)

    async def run_once(self) -> bool:
        """Run the next job if there is one; False when the queue is empty."""
        async with unit_of_work(self.sessions) as session:
            job = await self.queue.claim(session, lease=self.lease)
        if job is None:
            return False
        row = leased(job)
        started, outcome = monotonic(), "done"
        with tracer.start_as_current_span(f"{self.name} job", attributes={"negoce.job_id": str(row.id)}):
            log.info("%s %s: attempt %d", self.name, row.id, row.attempts)
            try:
                await self.build(job)
            except LostJob:
                outcome = "lost"
                log.warning("%s %s: taken over by another worker", self.name, row.id)
            except Exception as problem:
                log.exception("%s %s failed", self.name, row.id)
                outcome = await self._failed(job, problem)
        JOBS_FINISHED.labels(self.name, outcome).inc()
        JOB_DURATION.labels(self.name).observe(monotonic() - started)
        return True

    async def _failed(self, job: J, problem: Exception) -> str:
        # A bad request (a selection or campaign gone) will not get better; anything else is tried again.
        attempts = leased(job).attempts
        final = isinstance(problem, ProblemError) or attempts >= self.max_attempts
        error = str(problem)[:2000]
        async with unit_of_work(self.sessions) as session:
            if final:
                await self.queue.finish(session, job, state="failed", error=error)
            else:
                await self.queue.retry_later(session, job, after=timedelta(seconds=5 * attempts), error=error)
        return "failed" if final else "retried"

    async def clean_up(self) -> None:
        """Delete jobs (and their files) finished longer ago than the retention, and files no attempt owns."""
        cutoff = datetime.now(UTC) - self.retention
        async with unit_of_work(self.sessions) as session:
            for job in await self.queue.expired(session, finished_before=cutoff):
                await self._remove_files(leased(job).id)
                await session.delete(job)
        if monotonic() >= self._next_sweep:
            self._next_sweep = monotonic() + self.lease.total_seconds()
            await self.remove_stale_files()

    async def attempt_files(self, job: J, extension: str) -> tuple[Path, str]:
        """Where this attempt writes (a scratch path) and the key its finished file takes, ``{id}.{attempt}.ext``.

        Files of the job's other attempts go first: they are unfinished, or the job's file before
        it was queued again (after an erasure), which must not outlive this attempt's.
        """
        row = leased(job)
        own = f"{row.id}.{row.attempts}"
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        await self._remove_files(row.id, keep=own + ".")
        return self.scratch_dir / f"{own}.part", f"{own}.{extension}"

    async def _remove_files(self, job_id: object, *, keep: str | None = None) -> None:
        """Remove a job's stored objects and scratch files, but those whose name starts with ``keep``."""
        prefix = f"{job_id}."
        for stored in await self.storage.list(prefix):
            if keep is None or not stored.key.startswith(keep):
                await self.storage.delete(stored.key)
        for path in self.scratch_dir.glob(prefix + "*"):
            if keep is None or not path.name.startswith(keep):
                _remove(path)

    async def remove_stale_files(self) -> None:
        """Remove files of attempts older than their job's current one, or of jobs that no longer exist.

        A worker that lost its job removes its own files, unless it died first: this catches those,
        in the storage and in the scratch folder alike.
        """
        objects = {stored.key: _attempt_of(stored.key) for stored in await self.storage.list()}
        scratch = {path: _attempt_of(path.name) for path in self._scratch_entries()}
        attempts = [a for a in (*objects.values(), *scratch.values()) if a is not None]
        if not attempts:
            return
        async with unit_of_work(self.sessions) as session:
            current = await self.queue.current_attempts(session, job_ids=sorted({job_id for job_id, _ in attempts}))

        def stale(attempt: tuple[str, int] | None) -> bool:
            return attempt is not None and (attempt[0] not in current or attempt[1] < current[attempt[0]])

        for key, attempt in objects.items():
            if stale(attempt):
                await self.storage.delete(key)
        for path, attempt in scratch.items():
            if stale(attempt):
                _remove(path)

    def _scratch_entries(self) -> list[Path]:
        try:
            return list(self.scratch_dir.iterdir())
        except FileNotFoundError:
            return []

    async def put_in_place(
        self, job: J, part: Path, key: str, finish: Callable[[AsyncSession, int], Awaitable[bool]]
    ) -> bool:
        """Store a finished file under this attempt's key, then ``finish`` the job holding it while this attempt owns it.

        The key is recorded in the job row by ``finish`` only, in the transaction that holds the row:
        a download finds the file only once the job is done, and a worker that lost the job never
        gets its file named. ``finish`` gets the file's size and returns False to keep nothing (the
        job was queued again). A crash after the upload leaves an object no row names: the job's
        next attempt removes it, or the sweep of stale files.
        """
        size = await self.storage.put_file(key, part)
        try:
            async with unit_of_work(self.sessions) as session:
                if not await self.queue.hold(session, job):
                    raise LostJob
                placed = await finish(session, size)
        except LostJob:
            await self.storage.delete(key)
            raise
        # Any other failure (a commit whose outcome is unknown) keeps the object: the row may name it.
        if not placed:
            await self.storage.delete(key)
        return placed


def _attempt_of(name: str) -> tuple[str, int] | None:
    """The job id and attempt of a file named ``{id}.{attempt}.ext``; None for any other name (not ours)."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[1].isdigit():
        return parts[0], int(parts[1])
    return None


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


async def run_until_signalled(worker: LeasedJobWorker[Any]) -> None:
    """Run a worker until SIGTERM or SIGINT, then close its database connections; metrics on NEGOCE_METRICS_PORT."""
    serve_metrics(f"{worker.name} worker")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await worker.run(stop)
    finally:
        await worker.engine.dispose()
