"""`make run` keeps the system up: a process killed with SIGKILL is started again, and the gateway answers."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.access_support import free_port
from tests.conftest import AMQP_URL, RUN_ID, VHOST, _rabbitmqctl, isolated_database
from tests.stack_support import API_SERVICES, ROOT, SERVICES, broker_file_handles, wait_until_ready

# Every long-running process kind but the gateway: nginx's workers outlive a SIGKILLed master and keep
# serving on its port, so that case is no outage (the restarted master waits for the port, with back-off).
KILLED = (
    *SERVICES,
    "console",
    "exports",
    "renders",
    "smtp",
    "reminders-worker",
    "reminders-beat",
)


def _supervisorctl(runtime: Path, *args: str) -> str:
    command = [str(ROOT / ".venv/bin/supervisorctl"), "-c", str(runtime / "supervisord.conf"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout


def _running_pids(runtime: Path) -> dict[str, int]:
    """The pid of each process supervisord reports RUNNING."""
    pids = {}
    for line in _supervisorctl(runtime, "status").splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[1] == "RUNNING" and fields[2] == "pid":
            pids[fields[0]] = int(fields[3].rstrip(","))
    return pids


async def _until(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        await asyncio.sleep(0.3)


# Out of `make test`: inside the full suite (its session apps and the console's whole stack running
# beside it) the clients API of this second system once never became ready in 180 s, a cause not found
# yet; on its own, and beside the console's stack, it passes in about 80 s.
@pytest.mark.operations
@pytest.mark.timeout(360)
async def test_every_process_killed_under_make_run_is_started_again(infrastructure):
    databases = {service: isolated_database(service, "run") for service in SERVICES}
    vhost = f"{VHOST}_run"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    runtime = Path(tempfile.mkdtemp(prefix="negoce-run-"))
    ports = {name: free_port() for name in ("gateway", "internal", "smtp", "console", *SERVICES)}
    env = {
        **os.environ,
        **{f"NEGOCE_{service.upper()}_DATABASE_URL": url for service, url in databases.items()},
        **{f"NEGOCE_{name.upper()}_PORT": str(ports[name]) for name in (*SERVICES, "console")},
        "NEGOCE_PORT": str(ports["gateway"]),
        "NEGOCE_GATEWAY_INTERNAL_PORT": str(ports["internal"]),
        "NEGOCE_MAILINGS_SMTP_PORT": str(ports["smtp"]),
        "NEGOCE_AMQP_URL": AMQP_URL.rsplit("/", 1)[0] + "/" + vhost,
        "NEGOCE_REMINDERS_CELERY_QUEUE": f"reminders_{RUN_ID}_run",
        "NEGOCE_RUN_DIR": str(runtime),
        "NEGOCE_DEMO": "0",
        "NEGOCE_SKIP_INFRA": "1",
    }
    log = runtime / "make-run.log"
    base = f"http://127.0.0.1:{ports['gateway']}"
    with log.open("wb") as out:
        run = subprocess.Popen(["bash", "deploy/run.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        for service in (*API_SERVICES, "identity", "console"):
            await wait_until_ready(f"{base}/ready/{service}", timeout=180)
        await _until(lambda: set(KILLED) <= set(_running_pids(runtime)), timeout=60, what="every process runs")
        before = _running_pids(runtime)

        for name in KILLED:  # all at once: the harshest crash, and the quickest test
            os.kill(before[name], signal.SIGKILL)

        def all_back() -> bool:
            now = _running_pids(runtime)
            return all(name in now and now[name] != before[name] for name in KILLED)

        await _until(all_back, timeout=120, what="every killed process was started again")
        for service in (*API_SERVICES, "identity", "console"):
            await wait_until_ready(f"{base}/ready/{service}", timeout=60)
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            assert (await http.get("/api/identity/.well-known/jwks.json")).status_code == 200
            assert (await http.get("/connexion")).status_code == 200
        said = log.read_text(errors="replace")
        for name in KILLED:
            assert f"exited: {name} (terminated by SIGKILL; not expected)" in said, said[-3000:]
    except AssertionError as failed:
        # What make run printed is the only account of why a process did not come up; the gateway's
        # line for each refused connection to a process still starting would push it out of the tail.
        said = "".join(line for line in log.open(errors="replace") if "connect() failed" not in line)
        raise AssertionError(
            f"{failed}\n--- supervisorctl status:\n{_supervisorctl(runtime, 'status')}"
            f"--- RabbitMQ file handles (used, limit): {broker_file_handles()}\n--- make run said:\n{said[-8000:]}"
        ) from failed
    finally:
        run.send_signal(signal.SIGTERM)  # supervisord stops every process group
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait(timeout=10)
        _rabbitmqctl("delete_vhost", vhost)
        shutil.rmtree(runtime, ignore_errors=True)
    assert run.returncode == 0
    for name, port in ports.items():  # nothing of it is left behind
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"{name} still listens on {port}"
