"""The shared leased-job queue and worker loop on a job table of their own, in a real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, DateTime, Identity, Integer, String, Text, func, pool, select, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import create_engine, create_sessionmaker, unit_of_work
from shared.jobs import LeasedJobWorker
from shared.leased_jobs import LeasedJobQueue
from shared.storage.local import LocalStorage
from tests.conftest import DB_SUFFIX, recreate_database

SYNC_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/negoce_leased_jobs_test{DB_SUFFIX}"
LEASE = timedelta(minutes=1)


class Base(DeclarativeBase):
    pass


class SampleJob(Base):
    """A job table with the queue's columns, as the export and render jobs have them, and a progress of its own."""

    __tablename__ = "sample_jobs"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    steps_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


QUEUE = LeasedJobQueue(SampleJob, restart={"steps_done": 0})


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    """A database of its own holding the sample job table."""
    recreate_database(SYNC_URL)  # drops it: a run killed midway left its rows
    admin = create_sync_engine(
        SYNC_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT", poolclass=pool.NullPool
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{SYNC_URL.rsplit("/", 1)[1]}"'))
    admin.dispose()
    sync_engine = create_sync_engine(SYNC_URL, poolclass=pool.NullPool)
    Base.metadata.create_all(sync_engine)
    sync_engine.dispose()
    engine = create_engine(SYNC_URL.replace("+psycopg", "+asyncpg"), pool_size=3)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on an empty job table."""
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE sample_jobs RESTART IDENTITY"))
    return create_sessionmaker(engine)


async def queue_jobs(sessions: async_sessionmaker[AsyncSession], *names: str) -> list[SampleJob]:
    """Queue jobs in this order (each ready a moment after the previous one)."""
    jobs = []
    for name in names:
        async with unit_of_work(sessions) as session:
            jobs.append(await QUEUE.add(session, SampleJob(name=name)))
    return jobs


async def claim(sessions: async_sessionmaker[AsyncSession], lease: timedelta = LEASE) -> SampleJob | None:
    async with unit_of_work(sessions) as session:
        return await QUEUE.claim(session, lease=lease)


async def test_a_claim_skips_the_jobs_another_transaction_holds(sessions):
    first, second = await queue_jobs(sessions, "first", "second")
    async with unit_of_work(sessions) as holder:
        # Another worker is claiming the oldest job: its transaction has the row locked.
        held = await QUEUE.claim(holder, lease=LEASE)
        assert held is not None and held.id == first.id
        # A second worker is not blocked by it: it takes the next job at once.
        taken = await asyncio.wait_for(claim(sessions), timeout=5)
        assert taken is not None and (taken.id, taken.name, taken.attempts) == (second.id, "second", 1)
        assert await asyncio.wait_for(claim(sessions), timeout=5) is None
    # Both are running under a lease now: nothing left to claim.
    assert await claim(sessions) is None


async def test_an_expired_lease_is_claimed_again_with_the_next_attempt(sessions):
    (job,) = await queue_jobs(sessions, "stalls")
    stalled = await claim(sessions, lease=timedelta(0))
    assert stalled is not None and (stalled.state, stalled.attempts) == ("running", 1)
    async with unit_of_work(sessions) as session:
        assert await QUEUE.renew(session, stalled, lease=timedelta(0), steps_done=7)
    taker = await claim(sessions)
    # The same job, its attempt bumped and its progress back to where a new attempt starts.
    assert taker is not None and (taker.id, taker.attempts, taker.steps_done) == (job.id, 2, 0)
    assert taker.lease_until > datetime.now(UTC) + LEASE / 2


async def test_an_attempt_fenced_out_can_neither_renew_hold_nor_finish(sessions):
    await queue_jobs(sessions, "taken over")
    stalled = await claim(sessions, lease=timedelta(0))
    taker = await claim(sessions)
    assert stalled is not None and taker is not None and (stalled.attempts, taker.attempts) == (1, 2)
    async with unit_of_work(sessions) as session:
        assert not await QUEUE.renew(session, stalled, lease=LEASE, steps_done=3)
        assert not await QUEUE.hold(session, stalled)
        assert await QUEUE.finish(session, stalled, state="done") is None
        await QUEUE.retry_later(session, stalled, after=timedelta(0), error="too late")
    async with unit_of_work(sessions) as session:
        assert await QUEUE.renew(session, taker, lease=LEASE, steps_done=3)
        assert await QUEUE.hold(session, taker)
        done = await QUEUE.finish(session, taker, state="done", error=None)
    assert done is not None and (done.state, done.attempts, done.steps_done, done.error) == ("done", 2, 3, None)
    assert done.finished_at is not None
    async with unit_of_work(sessions) as session:
        # Finished: no attempt owns it any more, not even the one that finished it.
        assert not await QUEUE.hold(session, taker)


async def test_a_job_retried_later_waits_its_delay_then_is_claimed_again(sessions):
    (job,) = await queue_jobs(sessions, "flaky")
    first = await claim(sessions)
    assert first is not None
    async with unit_of_work(sessions) as session:
        await QUEUE.retry_later(session, first, after=timedelta(hours=1), error="the disk is full")
        row = await session.get(SampleJob, job.id)
        assert row is not None and (row.state, row.error) == ("queued", "the disk is full")
    assert await claim(sessions) is None  # not before its delay
    async with unit_of_work(sessions) as session:
        await session.execute(text("UPDATE sample_jobs SET lease_until = now() WHERE id = :id"), {"id": job.id})
    again = await claim(sessions)
    assert again is not None and (again.id, again.attempts, again.state) == (job.id, 2, "running")


async def test_requeue_takes_back_pending_and_done_jobs_never_failed_ones(sessions):
    done_job, failed_job, queued_job = await queue_jobs(sessions, "done", "failed", "queued")
    for state in ("done", "failed"):
        claimed = await claim(sessions)
        assert claimed is not None
        async with unit_of_work(sessions) as session:
            await QUEUE.renew(session, claimed, lease=LEASE, steps_done=5)
            assert await QUEUE.finish(session, claimed, state=state) is not None
    async with unit_of_work(sessions) as session:
        assert await QUEUE.requeue(session, SampleJob.name != "nothing", steps_done=0) == 2
        rows = {job.name: job for job in await session.scalars(select(SampleJob))}
    assert (rows["done"].state, rows["done"].steps_done) == ("queued", 0)
    assert rows["done"].finished_at is not None  # it tells the next finish the job had finished once
    assert (rows["failed"].state, rows["failed"].steps_done) == ("failed", 5)
    assert rows["queued"].state == "queued"
    async with unit_of_work(sessions) as session:
        current = await QUEUE.current_attempts(
            session, job_ids=[str(done_job.id), str(failed_job.id), str(queued_job.id), "999", "notes"]
        )
    assert current == {str(done_job.id): 1, str(failed_job.id): 1, str(queued_job.id): 0}


class SampleWorker(LeasedJobWorker[SampleJob]):
    """Writes a job's name into its file."""

    name = "sample"

    async def build(self, job: SampleJob) -> None:
        """Write the file of this attempt and finish the job."""
        part, key = await self.attempt_files(job, "txt")
        part.write_text(job.name)

        async def finish(session: AsyncSession, size: int) -> bool:
            return await QUEUE.finish(session, job, state="done", steps_done=size) is not None

        await self.put_in_place(job, part, key, finish)


async def test_the_worker_cleans_up_expired_jobs_and_files_no_attempt_owns(engine, sessions, tmp_path: Path):
    old, recent = await queue_jobs(sessions, "old", "recent")
    worker = SampleWorker(
        engine=engine,
        queue=QUEUE,
        lease_seconds=60,
        poll_seconds=0.1,
        max_attempts=3,
        retention_hours=1,
        storage=LocalStorage(tmp_path),
    )
    assert await worker.run_once() and await worker.run_once() and not await worker.run_once()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{old.id}.1.txt", f"{recent.id}.1.txt"]
    async with unit_of_work(sessions) as session:
        await session.execute(
            text("UPDATE sample_jobs SET finished_at = now() - interval '2 hours' WHERE id = :id"), {"id": old.id}
        )
        expired = await QUEUE.expired(session, finished_before=datetime.now(UTC) - timedelta(hours=1))
        assert [job.id for job in expired] == [old.id]
    # Files a dead worker left: an older attempt of a job, a job that no longer exists; and one not ours.
    (tmp_path / f"{recent.id}.0.part").write_text("unfinished")
    (tmp_path / "12345.1.txt").write_text("gone")
    (tmp_path / "README").write_text("not a job's")

    await worker.clean_up()

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["README", f"{recent.id}.1.txt"])
    async with unit_of_work(sessions) as session:
        assert [job.name for job in await session.scalars(select(SampleJob))] == ["recent"]
