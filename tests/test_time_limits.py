"""The suite's own time limit: a hung test fails, naming where its tasks wait, and the run goes on."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HUNG_SUITE = """
import asyncio
import time

import pytest


async def background_worker(never):
    await never.wait()


@pytest.mark.timeout(6)
async def test_waits_forever():
    never = asyncio.Event()
    asyncio.create_task(background_worker(never), name="stuck-worker")
    await never.wait()


@pytest.mark.timeout(3)
def test_blocks_forever():
    time.sleep(60)


async def test_after_them():
    await asyncio.sleep(0)


async def test_leaves_a_task_that_ignores_one_cancellation():
    async def reconnecting():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            pass  # a reconnect loop whose wait_for swallowed the loop's one cancellation
        await asyncio.sleep(3600)

    asyncio.create_task(reconnecting(), name="reconnect-loop")
"""


def test_a_hung_test_fails_with_its_stacks_the_next_runs_and_the_session_ends(tmp_path):
    (tmp_path / "test_hung.py").write_text(textwrap.dedent(HUNG_SUITE))
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.time_limits"]\n')
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\ntimeout = 60\n"
        "asyncio_default_fixture_loop_scope = session\n"
        "asyncio_default_test_loop_scope = session\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = result.stdout
    assert result.returncode == 1, out
    assert "2 failed, 2 passed" in out
    assert "test_waits_forever passed its time limit of 6 s" in out
    assert "task 'stuck-worker'" in out and "in background_worker" in out and "await never.wait()" in out
    assert "Timeout (>3.0s) from pytest-timeout" in out
