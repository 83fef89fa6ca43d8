"""Generated requests from the OpenAPI documents never get a server error (schemathesis).

They go through the gateway to the real service processes, as a client would send them, for
every service; each run is bounded (25 examples an operation, a fixed seed, 300 s at most).
The CLI is used rather than its pytest plugin, which does not support pytest 9 yet.
"""

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_gateway import gateway  # noqa: F401 - the module-scoped fixture is shared

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def token():
    """A bearer token of a fresh account, created the way an operator would."""
    created = subprocess.run(
        [str(BIN / "negoce"), "account", "create", "Fuzz"], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(created.stdout.strip().splitlines()[-1])["token"]


@pytest.mark.timeout(420)  # up to 300 s of generated requests, after the gateway starts
@pytest.mark.parametrize("service", ["clients", "orders", "reminders", "mailings"])
async def test_generated_requests_never_get_a_server_error(gateway, token, service):
    # In a thread: the session's apps share this test's event loop and must keep answering their broker.
    result = await asyncio.to_thread(
        subprocess.run,
        [
            str(BIN / "schemathesis"),
            "run",
            str(ROOT / f"docs/openapi/{service}.json"),
            "--url",
            gateway,
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--seed",
            "2026",
            "--workers",
            "2",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout
