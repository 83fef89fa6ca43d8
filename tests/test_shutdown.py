"""Background tasks stop when their service stops, even one that swallows a cancellation."""

import asyncio
import logging

from shared.waiting import cancel_and_wait, wait_until_set


async def test_a_task_that_swallows_its_first_cancellation_is_cancelled_again():
    stopped = asyncio.Event()

    async def stubborn() -> None:
        try:  # noqa: SIM105 (spelled out: this is the pattern under test)
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            pass  # what a swallowed cancellation looks like from outside: the task carries on
        try:
            await asyncio.sleep(60)
        finally:
            stopped.set()

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    started = asyncio.get_running_loop().time()
    await cancel_and_wait([task], grace_seconds=5)
    assert task.cancelled() and stopped.is_set()
    assert asyncio.get_running_loop().time() - started < 4


async def test_a_task_that_never_stops_is_reported_by_name_and_left(caplog):
    release = asyncio.Event()

    async def deaf() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(deaf(), name="deaf-worker")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="shared.waiting"):
        await cancel_and_wait([task], grace_seconds=1)
    assert "deaf-worker" in caplog.text and not task.done()
    release.set()
    task.cancel()
    await asyncio.wait([task], timeout=2)
    assert task.done()


async def test_a_loop_waiting_for_an_event_stops_when_cancelled_as_the_event_is_set():
    event = asyncio.Event()

    async def loop_on_event() -> None:
        while True:
            event.clear()
            await wait_until_set(event, timeout=30)

    task = asyncio.create_task(loop_on_event())
    await asyncio.sleep(0)
    event.set()
    await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=2)
    assert done == {task} and task.cancelled()
