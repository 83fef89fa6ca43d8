"""Every test has a time limit; an async test that passes it fails with the stacks of the stuck tasks.

pytest-timeout is the backstop for everything (fixtures, sync tests, a blocked event loop): at the
limit it dumps every thread and fails the test. An async test is mostly idle in its event loop when it
hangs, where thread stacks only show the selector; so it gets its own limit a little earlier, inside
the loop, which records every task's stack, cancels the test and fails it with them. And when the
session ends, whatever tasks the tests left behind are cancelled until they stop.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import io
import time
import traceback
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from types import FrameType
from typing import Any

import pytest
import pytest_asyncio

from shared.waiting import cancel_and_wait

# The asyncio limit fires this long before pytest-timeout's, so that it is the one that reports.
ASYNC_MARGIN_SECONDS = 3.0
SETUP_STARTED = pytest.StashKey[float]()


def limit_of(item: pytest.Item) -> float | None:
    """The item's time limit in seconds: its timeout marker, else the ini option, as pytest-timeout reads them."""
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        return float(marker.args[0])
    value = item.config.getini("timeout")
    return float(value) if value else None


def awaited_frames(task: asyncio.Task[Any]) -> tuple[list[FrameType], object]:
    """The frames of a task's await chain, outermost first, and what its innermost frame waits on.

    ``Task.print_stack`` shows only the outermost coroutine, which for a test is its wrapper.
    """
    frames: list[FrameType] = []
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = (
            getattr(awaited, "cr_frame", None)
            or getattr(awaited, "gi_frame", None)
            or getattr(awaited, "ag_frame", None)
        )
        if frame is None:
            break
        frames.append(frame)
        awaited = (
            getattr(awaited, "cr_await", None)
            or getattr(awaited, "gi_yieldfrom", None)
            or getattr(awaited, "ag_await", None)
        )
    return frames, awaited


def task_stacks() -> str:
    """Where every task of the running loop is waiting, innermost call last."""
    report = io.StringIO()
    for task in sorted(asyncio.all_tasks(), key=lambda t: t.get_name()):
        frames, awaited = awaited_frames(task)
        report.write(f"task {task.get_name()!r}, waiting on {awaited!r}:\n")
        report.writelines(traceback.StackSummary.extract((f, f.f_lineno) for f in frames).format())
    return report.getvalue()


def time_limited(
    test: Callable[..., Coroutine[Any, Any, Any]], *, seconds: float, limit: float, name: str
) -> Callable[..., Coroutine[Any, Any, Any]]:
    """The test coroutine function, cancelled and failed with every task's stack after ``seconds``."""

    @functools.wraps(test)
    async def limited(*args: Any, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        assert task is not None
        stacks: list[str] = []

        def expire() -> None:
            stacks.append(task_stacks())  # before the cancellation unwinds the test's own stack
            task.cancel()

        timer = asyncio.get_running_loop().call_later(seconds, expire)
        try:
            return await test(*args, **kwargs)
        except asyncio.CancelledError:
            if not stacks:
                raise
            task.uncancel()
        finally:
            timer.cancel()
        pytest.fail(
            f"{name} passed its time limit of {limit:.0f} s (set-up included); the tasks were at:\n{stacks[0]}",
            pytrace=False,
        )

    return limited


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Note when the item's clock starts: pytest-timeout counts its fixtures' set-up too."""
    item.stash[SETUP_STARTED] = time.monotonic()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Run an async test under its asyncio time limit (pytest-asyncio reads ``item.obj`` when it runs it)."""
    if not isinstance(item, pytest.Function):  # only a test function has an ``obj`` to run
        return (yield)
    function = item.obj
    limit = limit_of(item)
    if limit is None or not inspect.iscoroutinefunction(function):
        return (yield)
    spent = time.monotonic() - item.stash.get(SETUP_STARTED, time.monotonic())
    seconds = max(1.0, limit - spent - ASYNC_MARGIN_SECONDS)
    item.obj = time_limited(function, seconds=seconds, limit=limit, name=item.nodeid)
    try:
        return (yield)
    finally:
        item.obj = function


@pytest_asyncio.fixture(scope="session", loop_scope="session", autouse=True)
async def no_task_outlives_the_session() -> AsyncIterator[None]:
    """Cancel what tests left running, insisting, before pytest-asyncio closes the session's loop.

    The loop's own close cancels each task once and waits for all of them with no limit; a task that
    swallows that one cancellation (a library's reconnect loop built on Python 3.11's wait_for) held
    a finished run open for good.
    """
    yield
    current = asyncio.current_task()
    await cancel_and_wait([task for task in asyncio.all_tasks() if task is not current], grace_seconds=20)
