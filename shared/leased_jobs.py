"""The queries of a job table used as a queue: claim under a lease, renew it, finish fenced by attempt.

The clients' export jobs and the mailings' render jobs are both such tables, with the same queue
columns (``id``, ``state``, ``attempts``, ``lease_until``, ``error``, ``finished_at``); one
LeasedJobQueue per table, parameterised by its ORM model, holds the SQL both run. What a job
stores besides (its progress, what a finished job keeps) stays in its own service's repository.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, CursorResult, func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

# A job is queued, running under a lease, or finished (done or failed); only finished jobs expire.
PENDING = ("queued", "running")
FINISHED = ("done", "failed")
# Re-queueing takes a finished job back too (its file is built again), never a failed one.
REQUEUABLE = ("queued", "running", "done")
QUEUE_COLUMNS = ("id", "state", "attempts", "lease_until", "error", "finished_at")


class LeasedJob(Protocol):
    """A row of a leased job table, as the worker reads it (the model's other columns are its service's)."""

    @property
    def id(self) -> Any: ...
    @property
    def state(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def lease_until(self) -> datetime: ...
    @property
    def error(self) -> str | None: ...
    @property
    def finished_at(self) -> datetime | None: ...


# Unbound: mypy cannot match an ORM model's Mapped columns to a protocol given as a class's type
# argument (it can in an assignment), so a job is seen through LeasedJob by ``leased`` instead.
J = TypeVar("J")


def leased(job: object) -> LeasedJob:
    """A job row of any leased job table, seen through the columns the queue shares."""
    # Sound for the rows a queue hands out: its constructor checked that its model has those columns.
    return cast("LeasedJob", job)


class LeasedJobQueue(Generic[J]):
    """The queue of one job table: ``model`` is its ORM class.

    ``restart`` are the values a claim resets besides the queue's columns (the progress a new
    attempt starts from), e.g. ``{"pages_done": 0}``.
    """

    def __init__(self, model: type[J], *, restart: Mapping[str, Any]) -> None:
        missing = set(QUEUE_COLUMNS) - set(inspect(model).columns.keys())
        if missing:
            raise TypeError(f"{model.__name__} is no leased job table: it has no {', '.join(sorted(missing))}")
        self.model = model
        self.restart = dict(restart)
        # The protocol types a job's values; its class's columns are read here once, untyped by it.
        columns: Any = model
        self.id: InstrumentedAttribute[Any] = columns.id
        self.state: InstrumentedAttribute[str] = columns.state
        self.attempts: InstrumentedAttribute[int] = columns.attempts
        self.lease_until: InstrumentedAttribute[datetime] = columns.lease_until
        self.finished_at: InstrumentedAttribute[datetime | None] = columns.finished_at
        # Job ids are written in file names; this reads one back (uuid.UUID, int...).
        self._id_type: Callable[[str], Any] = inspect(model).primary_key[0].type.python_type

    def _owned(self, job: J) -> tuple[ColumnElement[bool], ...]:
        """The job while the attempt it was claimed with still owns it: a worker that lost its lease matches nothing."""
        row = leased(job)
        return self.id == row.id, self.attempts == row.attempts, self.state == "running"

    async def add(self, session: AsyncSession, job: J) -> J:
        """Queue a job: the row is the queue, committed with the request that asks for it."""
        session.add(job)
        await session.flush()
        await session.refresh(job)
        return job

    async def claim(self, session: AsyncSession, *, lease: timedelta) -> J | None:
        """Take the oldest job that is queued, or running under an expired lease (its worker died).

        SKIP LOCKED lets workers claim side by side; the attempt number it bumps fences the old worker out.
        """
        now = datetime.now(UTC)
        ready = (
            select(self.id)
            .where(self.state.in_(PENDING), self.lease_until <= now)
            .order_by(self.lease_until)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        claimed = await session.scalar(
            update(self.model)
            .where(self.id == ready)
            .values(state="running", attempts=self.attempts + 1, lease_until=now + lease, **self.restart)
            .returning(self.model)
        )
        return cast("J | None", claimed)

    async def renew(self, session: AsyncSession, job: J, *, lease: timedelta, **progress: Any) -> bool:
        """Renew this attempt's lease, writing its progress; False when another attempt owns the job (or it is gone)."""
        result = await session.execute(
            update(self.model).where(*self._owned(job)).values(lease_until=datetime.now(UTC) + lease, **progress)
        )
        return _rowcount(result) == 1

    async def finish(self, session: AsyncSession, job: J, **values: Any) -> J | None:
        """Mark a job done or failed, only if this attempt still owns it; the finished row, else None.

        Every method given a claimed ``job`` is fenced so: it acts only while ``job.attempts`` is the job's.
        """
        finished = await session.scalar(
            update(self.model)
            .where(*self._owned(job))
            .values(finished_at=datetime.now(UTC), **values)
            .returning(self.model)
        )
        return cast("J | None", finished)

    async def retry_later(self, session: AsyncSession, job: J, *, after: timedelta, error: str | None) -> None:
        """Put a failed attempt back in the queue, to be claimed again once ``after`` has passed."""
        await session.execute(
            update(self.model)
            .where(*self._owned(job))
            .values(state="queued", lease_until=datetime.now(UTC) + after, error=error)
        )

    async def hold(self, session: AsyncSession, job: J) -> bool:
        """Lock a job until commit if this attempt still owns it (its file may then be put in place)."""
        held = await session.scalar(select(self.id).where(*self._owned(job)).with_for_update())
        return held is not None

    async def expired(self, session: AsyncSession, *, finished_before: datetime, limit: int = 100) -> list[J]:
        """Finished jobs past their retention, locked for deletion (SKIP LOCKED: another worker may be at it)."""
        rows = await session.scalars(
            select(self.model)
            .where(self.state.in_(FINISHED), self.finished_at < finished_before)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows)

    async def current_attempts(self, session: AsyncSession, *, job_ids: Sequence[str]) -> dict[str, int]:
        """The current attempt of each of these jobs that exists, by id as written in file names."""
        ids = []
        for job_id in job_ids:
            with contextlib.suppress(ValueError):  # a name that is no job id of this table
                ids.append(self._id_type(job_id))
        rows = await session.execute(select(self.id, self.attempts).where(self.id.in_(ids)))
        return {str(job_id): attempts for job_id, attempts in rows.all()}

    async def requeue(self, session: AsyncSession, *where: ColumnElement[bool], **reset: Any) -> int:
        """Queue again the jobs matching ``where`` that are pending or done, resetting ``reset``; how many.

        A finished job is built again (its next attempt removes the old file first); a running one
        loses its attempt, so its file is never put in place; a queued one stays locked until the
        caller's transaction commits. ``finished_at`` stays: it tells the next finish that the job
        had finished before.
        """
        result = await session.execute(
            update(self.model)
            .where(*where, self.state.in_(REQUEUABLE))
            .values(state="queued", lease_until=func.now(), **reset)
        )
        return _rowcount(result)


def _rowcount(result: Any) -> int:
    # An UPDATE's result is a CursorResult, which session.execute's annotation does not say.
    return cast("CursorResult[Any]", result).rowcount
