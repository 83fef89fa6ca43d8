"""Waiting on asyncio primitives without losing a cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)


async def wait_until_set(event: asyncio.Event, *, timeout: float) -> bool:
    """Wait for an event, at most ``timeout`` seconds; True if it is set.

    Not ``asyncio.wait_for``: on Python 3.11 it returns normally when the cancellation of its
    task arrives just as the awaited event is set, so a loop built on it can never be stopped
    (an outbox relay cancelled as a NOTIFY came in held a test run for ten minutes).
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
    return event.is_set()


async def cancel_and_wait(tasks: Iterable[asyncio.Task[object]], *, grace_seconds: float = 10.0) -> None:
    """Cancel tasks and wait for them to end, cancelling again any that ignored it, for a bounded time.

    The first wait leaves a task a moment for its clean-up; later cancellations are for a task that
    swallowed the first, which would otherwise hold the shutdown forever.
    """
    tasks = list(tasks)
    pending = {task for task in tasks if not task.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_seconds
    wait = 2.0
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(wait, max(0.0, deadline - loop.time())))
        wait = 0.5
        if pending and loop.time() >= deadline:
            log.error(
                "tasks still running after being cancelled for %.0f s: %s",
                grace_seconds,
                ", ".join(sorted(task.get_name() for task in pending)),
            )
            break
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("task %s had failed", task.get_name(), exc_info=task.exception())
