"""Celery worker and beat of the reminders service.

    celery -A services.reminders.firing.worker:celery_app worker --concurrency 2
    celery -A services.reminders.firing.worker:celery_app beat --schedule .run/celerybeat-schedule

Beat sends a short ``fire_due`` tick every ``fire_interval_seconds``; any worker that takes it
claims the due reminders with FOR UPDATE SKIP LOCKED and fires them in one transaction per
batch (services.reminders.firing.service). There are no per-reminder ETA tasks, so a million pending
reminders cost the broker nothing, and a lost, duplicated or late tick changes nothing but the
delay: the database decides what fires, once. Ticks expire quickly, so the backlog of a worker
that was down is not replayed.

The tasks are sync (Celery) and run the service's async code on one event loop per worker
process, created after the fork: the firing code is the very code the API uses to fire a
reminder created already due, and the process keeps its connection pool from tick to tick
instead of connecting every half second.

Both log JSON (shared/logging.py, through Celery's ``setup_logging`` signal) and serve metrics on
``NEGOCE_METRICS_PORT``: beat its own; the worker, whose prefork children do the work, the sum of
its processes' through prometheus_client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from celery import Celery
from celery.signals import (
    after_task_publish,
    beat_init,
    celeryd_init,
    setup_logging,
    task_failure,
    task_success,
    worker_init,
    worker_process_shutdown,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reminders.firing.service import fire_due
from services.reminders.settings import RemindersSettings
from shared.db import create_sessionmaker, settings_engine, unit_of_work
from shared.logging import configure_celery_logging
from shared.observability.metrics import (
    CELERY_TASKS,
    child_process_exited,
    serve_metrics,
    serve_multiprocess_metrics,
)
from shared.observability.tracing import configure_tracing

T = TypeVar("T")
WORKER_APPLICATION_NAME = "negoce-reminders-worker"
# Connections of one worker child: a tick fires its batch in one transaction at a time.
CHILD_CONNECTIONS = 2
FIRE_TASK = "reminders.fire_due"


def create_celery(settings: RemindersSettings) -> Celery:
    """The Celery app: its broker, queue, reliability options and beat schedule."""
    app = Celery("negoce-reminders", broker=settings.broker_url)
    tick = timedelta(seconds=settings.fire_interval_seconds)
    app.conf.update(
        task_default_queue=settings.celery_queue,
        task_ignore_result=True,
        # A tick taken by a worker that dies is given back, not lost; one tick at a time per process.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        # Celery 6's default, taken now: a tick cut by a lost broker connection is simply retried later.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        timezone="UTC",
        beat_schedule={
            "fire-due-reminders": {
                "task": FIRE_TASK,
                "schedule": tick,
                "options": {"expires": max(5.0, 10 * settings.fire_interval_seconds)},
            },
        },
    )
    return app


def _process_name() -> str:
    # One module serves both commands; the command line says which this process is.
    return "reminders-beat" if "beat" in sys.argv[1:] else "reminders-worker"


@setup_logging.connect
def _json_logs(loglevel: object = None, **_: object) -> None:
    """Log JSON lines like every process (a receiver here stops Celery from installing its formatter).

    The tick's per-task lines stay out of INFO logs: two ticks a second would drown what matters.
    """
    configure_celery_logging(
        service=_process_name(),
        loglevel=loglevel,
        quiet=("celery.app.trace", "celery.worker.strategy", "celery.beat"),
    )


@celeryd_init.connect
def _json_logs_early(options: dict[str, object] | None = None, **_: object) -> None:
    """JSON from the worker's very first line: Celery checks its privileges (and warns) before setup_logging."""
    _json_logs(loglevel=(options or {}).get("loglevel"))


@worker_init.connect
def _worker_observed(**_: object) -> None:
    """In the worker's parent, before the children are forked: tracing, and the metrics of every process."""
    configure_tracing("reminders-worker")
    serve_multiprocess_metrics("reminders-worker")


@worker_process_shutdown.connect
def _child_gone(pid: int | None = None, **_: object) -> None:
    """A prefork child ends: its live gauges must not be summed any more."""
    child_process_exited(pid or os.getpid())


@beat_init.connect
def _beat_observed(**_: object) -> None:
    """Beat traces the ticks it sends (the worker's spans continue them) and serves its metrics."""
    configure_tracing("reminders-beat")
    serve_metrics("reminders-beat")


@after_task_publish.connect
def _published(sender: str | None = None, **_: object) -> None:
    """Count the tasks sent (by beat: the ticks)."""
    CELERY_TASKS.labels(sender or "unknown", "published").inc()


@task_success.connect
def _succeeded(sender: object = None, **_: object) -> None:
    """Count the tasks a worker ran to the end."""
    CELERY_TASKS.labels(getattr(sender, "name", "unknown"), "succeeded").inc()


@task_failure.connect
def _failed(sender: object = None, **_: object) -> None:
    """Count the tasks that raised."""
    CELERY_TASKS.labels(getattr(sender, "name", "unknown"), "failed").inc()


class _Runtime:
    """One event loop and connection pool per worker process."""

    def __init__(self, settings: RemindersSettings) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        # Each of the worker's children has its own pool (docs/scaling.md, "Connection budget").
        engine = settings_engine(settings, pool_size=CHILD_CONNECTIONS, application_name=WORKER_APPLICATION_NAME)
        self.sessions = create_sessionmaker(engine)


settings = RemindersSettings()
celery_app = create_celery(settings)
_runtime: _Runtime | None = None


def _run(work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        _runtime = _Runtime(settings)  # a forked child must not reuse its parent's loop or sockets
    return _runtime.loop.run_until_complete(work(_runtime.sessions))


async def _fire_all_due(sessions: async_sessionmaker[AsyncSession]) -> int:
    total = 0
    # Bounded: a huge backlog is shared with the next ticks (and other workers) instead of one long task.
    deadline = time.monotonic() + max(2.0, 4 * settings.fire_interval_seconds)
    while time.monotonic() < deadline:
        async with unit_of_work(sessions) as session:
            fired = await fire_due(session, limit=settings.fire_batch_size, hold_seconds=settings.fire_hold_seconds)
        total += fired
        if fired < settings.fire_batch_size:
            break
    return total


@celery_app.task(name=FIRE_TASK)
def fire_due_reminders() -> int:
    """Fire every reminder that is due, in batches; returns how many fired."""
    return _run(_fire_all_due)
