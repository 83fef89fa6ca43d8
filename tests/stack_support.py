"""The whole system as `make run` starts it, for the tests that use it from outside: APIs, workers, console, gateway."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.access_support import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NGINX = os.environ.get("NEGOCE_NGINX_BIN") or shutil.which("nginx") or "/usr/sbin/nginx"
API_SERVICES = ("clients", "orders", "reminders", "mailings")
SERVICES = (*API_SERVICES, "identity")


async def wait_until_ready(url: str, timeout: float = 120.0) -> None:
    """Wait for a URL to answer 200 (awaited, never slept: the session's apps share the loop)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=1) as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} did not become ready")


async def stop_process(process: subprocess.Popen[bytes], *, grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after the grace period."""
    if process.poll() is None:
        process.terminate()
    deadline = time.monotonic() + grace
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    if process.poll() is None:
        process.kill()
        process.wait(timeout=5)


@dataclass
class Stack:
    """A running system: its base URL, where its SMTP server keeps mail, and its processes' logs."""

    base_url: str
    maildir: Path
    runtime: Path
    # The environment its processes run with (its own databases and vhost), for the command line.
    env: dict[str, str] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def log_tails(self, size: int = 3000) -> str:
        """The end of every process's log, for a failing test's report."""
        return "\n".join(
            f"--- {name}\n{path.read_text(errors='replace')[-size:]}"
            for name, path in self.logs.items()
            if path.exists()
        )


@contextlib.asynccontextmanager
async def running_stack(*, databases: dict[str, str], amqp_url: str, run_id: str) -> AsyncIterator[Stack]:
    """Start every process kind of `make run`, identity included, on databases and a vhost of their own.

    Their own, because the stack's workers and consumers would otherwise take the jobs, reminders and
    events that the rest of the suite's tests expect their own processes to handle.
    """
    runtime = Path(tempfile.mkdtemp(prefix="negoce-stack-"))
    ports = {name: free_port() for name in (*SERVICES, "console", "gateway", "internal", "smtp")}
    maildir = runtime / "mail"
    env = {
        **os.environ,
        **{f"NEGOCE_{service.upper()}_DATABASE_URL": url for service, url in databases.items()},
        "NEGOCE_AMQP_URL": amqp_url,
        "NEGOCE_IDENTITY_JWKS_URL": f"http://127.0.0.1:{ports['identity']}/api/identity/.well-known/jwks.json",
        "NEGOCE_MAILINGS_CLIENTS_URL": f"http://127.0.0.1:{ports['clients']}",
        "NEGOCE_CLIENTS_EXPORT_DIR": str(runtime / "exports"),
        "NEGOCE_MAILINGS_RENDER_DIR": str(runtime / "renders"),
        "NEGOCE_MAILINGS_SMTP_PORT": str(ports["smtp"]),
        # Several checkouts or test runs may share one Redis: this run's reminder ticks are its own.
        "NEGOCE_REMINDERS_CELERY_QUEUE": f"reminders_{run_id}",
        "NEGOCE_CONSOLE_API_URL": f"http://127.0.0.1:{ports['internal']}",
        "PYTHONUNBUFFERED": "1",
    }
    commands: dict[str, list[str]] = {
        **{
            service: [
                *(str(BIN / "uvicorn"), "--factory", f"services.{service}.app:create_app"),
                *("--host", "127.0.0.1", "--port", str(ports[service]), "--no-access-log"),
            ]
            for service in (*SERVICES, "console")
        },
        "exports": [str(BIN / "negoce"), "clients", "export-worker"],
        "renders": [sys.executable, "-m", "services.mailings.renders.worker"],
        "smtp": [
            *(sys.executable, "-m", "services.mailings.emails.dev_smtp"),
            *("--port", str(ports["smtp"]), "--maildir", str(maildir)),
        ],
        "reminders-worker": [
            *(str(BIN / "celery"), "-A", "services.reminders.firing.worker:celery_app", "worker"),
            *("--loglevel", "WARNING", "--concurrency", "1"),
        ],
        "reminders-beat": [
            *(str(BIN / "celery"), "-A", "services.reminders.firing.worker:celery_app", "beat"),
            *("--loglevel", "WARNING", "--schedule", str(runtime / "celerybeat-schedule")),
        ],
    }
    stack = Stack(base_url=f"http://127.0.0.1:{ports['gateway']}", maildir=maildir, runtime=runtime, env=env)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in commands.items():
            stack.logs[name] = runtime / f"{name}.log"
            with stack.logs[name].open("wb") as log:
                processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        subprocess.run(
            [
                *("sh", str(ROOT / "deploy/render-nginx.sh"), str(runtime / "nginx"), str(ports["gateway"])),
                *(str(ports[s]) for s in API_SERVICES),
                *(str(ports["identity"]), str(ports["console"]), str(ports["internal"])),
            ],
            check=True,
            cwd=ROOT,
            # Every browser, API client and console call of the tests comes from 127.0.0.1: one bucket.
            # tests/test_gateway_limits.py tests the limit itself.
            env={**env, "RATE_LIMIT": "1000", "RATE_BURST": "2000"},
        )
        stack.logs["gateway"] = runtime / "gateway.log"
        with stack.logs["gateway"].open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [NGINX, "-e", "stderr", "-p", str(runtime / "nginx"), "-c", str(runtime / "nginx/nginx.conf")],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for service in (*API_SERVICES, "identity", "console"):
            await wait_until_ready(f"{stack.base_url}/ready/{service}")
        yield stack
    finally:
        await asyncio.gather(*(stop_process(process) for process in processes))
        shutil.rmtree(runtime, ignore_errors=True)
