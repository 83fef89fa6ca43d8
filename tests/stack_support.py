"""The whole system as `make run` starts it, for the tests that use it from outside: APIs, workers, console, gateway."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
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
# Every process kind of `make run` that this harness starts, gateway and SMTP server aside.
WEB_KINDS = (*SERVICES, "console")
WORKER_KINDS = ("exports", "renders", "reminders-worker", "reminders-beat")


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


def broker_file_handles() -> str:
    """RabbitMQ's file handles in use and its limit, for a failing test's report.

    RabbitMQ 3.10 gives each quorum queue a few handles from a budget near its process's open-files
    limit (927 under the usual 1024); past it, declaring a queue waits, and a service whose lifespan
    declares its queues never listens. Every stack's vhost holds about 90 queues.
    """
    try:
        return subprocess.run(
            ["rabbitmqctl", "eval", "file_handle_cache:info([total_used, total_limit])."],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as failed:
        return f"(rabbitmqctl did not answer: {failed})"


@dataclass
class Process:
    """One process of a stack: its command, its log (appended to across restarts) and its running instance."""

    name: str
    kind: str
    command: list[str]
    log: Path
    # Where it answers /ready, for the API and console processes.
    ready_url: str | None = None
    popen: subprocess.Popen[bytes] | None = None


@dataclass
class Stack:
    """A running system: its base URL, where its SMTP server keeps mail, and its processes' logs."""

    base_url: str
    maildir: Path
    runtime: Path
    # The environment its processes run with (its own databases and vhost), for the command line.
    env: dict[str, str] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)

    def log_tails(self, size: int = 3000) -> str:
        """The end of every process's log, for a failing test's report."""
        return "\n".join(
            f"--- {name}\n{path.read_text(errors='replace')[-size:]}"
            for name, path in self.logs.items()
            if path.exists()
        )

    def replicas(self, kind: str) -> list[Process]:
        """The processes of one kind (clients, exports, reminders-beat...), first replica first."""
        return [process for process in self.processes.values() if process.kind == kind]

    def start(self, name: str) -> None:
        """Start a process (again, after a kill: its log goes on in the same file)."""
        process = self.processes[name]
        with process.log.open("ab") as log:
            process.popen = subprocess.Popen(
                process.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self, name: str) -> None:
        """SIGKILL a process, as the kernel's OOM killer or a lost machine would stop it, and reap it."""
        popen = self.processes[name].popen
        assert popen is not None and popen.poll() is None, f"{name} is not running"
        popen.send_signal(signal.SIGKILL)
        popen.wait(timeout=10)


def _replica_names(kind: str, replicas: int) -> list[str]:
    return [kind] if replicas == 1 else [f"{kind}-{n}" for n in range(1, replicas + 1)]


@contextlib.asynccontextmanager
async def running_stack(
    *, databases: dict[str, str], amqp_url: str, run_id: str, replicas: int = 1, env: dict[str, str] | None = None
) -> AsyncIterator[Stack]:
    """Start every process kind of `make run`, identity included, on databases and a vhost of their own.

    Their own, because the stack's workers and consumers would otherwise take the jobs, reminders and
    events that the rest of the suite's tests expect their own processes to handle. With ``replicas``
    above 1, that many processes of every kind run (APIs and console behind the gateway as upstreams
    of several servers, two beats each with its schedule file); one SMTP server stands for the world's.
    ``env`` adds settings for every process.
    """
    runtime = Path(tempfile.mkdtemp(prefix="negoce-stack-"))
    web_ports = {kind: [free_port() for _ in range(replicas)] for kind in WEB_KINDS}
    ports = {name: free_port() for name in ("gateway", "internal", "smtp")}
    maildir = runtime / "mail"
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    # One replica is reached directly, as make run does; several only through the gateway, which
    # fails over when one of them is down.
    identity = gateway if replicas > 1 else f"http://127.0.0.1:{web_ports['identity'][0]}"
    clients = gateway if replicas > 1 else f"http://127.0.0.1:{web_ports['clients'][0]}"
    stack_env = {
        **os.environ,
        **{f"NEGOCE_{service.upper()}_DATABASE_URL": url for service, url in databases.items()},
        "NEGOCE_AMQP_URL": amqp_url,
        "NEGOCE_IDENTITY_JWKS_URL": f"{identity}/api/identity/.well-known/jwks.json",
        "NEGOCE_MAILINGS_CLIENTS_URL": clients,
        "NEGOCE_CLIENTS_EXPORT_DIR": str(runtime / "exports"),
        "NEGOCE_MAILINGS_RENDER_DIR": str(runtime / "renders"),
        "NEGOCE_ORDERS_DOCUMENT_DIR": str(runtime / "documents"),
        "NEGOCE_MAILINGS_SMTP_PORT": str(ports["smtp"]),
        # Several checkouts or test runs may share one Redis: this run's reminder ticks are its own.
        "NEGOCE_REMINDERS_CELERY_QUEUE": f"reminders_{run_id}",
        "NEGOCE_CONSOLE_API_URL": f"http://127.0.0.1:{ports['internal']}",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    stack = Stack(base_url=gateway, maildir=maildir, runtime=runtime, env=stack_env)

    def add(kind: str, name: str, command: list[str], ready_url: str | None = None) -> None:
        stack.logs[name] = runtime / f"{name}.log"
        stack.processes[name] = Process(name, kind, command, stack.logs[name], ready_url)

    for kind in WEB_KINDS:
        for name, port in zip(_replica_names(kind, replicas), web_ports[kind], strict=True):
            command = [
                *(str(BIN / "uvicorn"), "--factory", f"services.{kind}.app:create_app"),
                *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
            ]
            add(kind, name, command, f"http://127.0.0.1:{port}/ready")
    for name in _replica_names("exports", replicas):
        add("exports", name, [str(BIN / "negoce"), "clients", "export-worker"])
    for name in _replica_names("renders", replicas):
        add("renders", name, [sys.executable, "-m", "services.mailings.renders.worker"])
    smtp = [sys.executable, "-m", "services.mailings.emails.dev_smtp", "--port", str(ports["smtp"])]
    add("smtp", "smtp", [*smtp, "--maildir", str(maildir)])
    celery = [str(BIN / "celery"), "-A", "services.reminders.firing.worker:celery_app"]
    for name in _replica_names("reminders-worker", replicas):
        add("reminders-worker", name, [*celery, "worker", "--loglevel", "WARNING", "--concurrency", "1"])
    for name in _replica_names("reminders-beat", replicas):
        # A beat's schedule file is its own state: two beats must not share one.
        schedule = runtime / name.replace("reminders-beat", "celerybeat-schedule")
        add("reminders-beat", name, [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(schedule)])
    add(
        "gateway",
        "gateway",
        [NGINX, "-e", "stderr", "-p", str(runtime / "nginx"), "-c", str(runtime / "nginx/nginx.conf")],
    )
    try:
        subprocess.run(
            [
                *("sh", str(ROOT / "deploy/render-nginx.sh"), str(runtime / "nginx"), str(ports["gateway"])),
                *(",".join(map(str, web_ports[kind])) for kind in (*API_SERVICES, "identity", "console")),
                str(ports["internal"]),
            ],
            check=True,
            cwd=ROOT,
            # Every browser, API client and console call of the tests comes from 127.0.0.1: one bucket.
            # tests/test_gateway_limits.py tests the limit itself.
            env={**stack_env, "RATE_LIMIT": "1000", "RATE_BURST": "2000"},
        )
        for name in stack.processes:
            stack.start(name)
        try:
            for process in stack.processes.values():
                if process.ready_url is not None:
                    await wait_until_ready(process.ready_url, timeout=180)
            for service in (*API_SERVICES, "identity", "console"):
                await wait_until_ready(f"{stack.base_url}/ready/{service}")
        except AssertionError as failed:
            handles = broker_file_handles()
            raise AssertionError(f"{failed}\nRabbitMQ file handles: {handles}\n{stack.log_tails()}") from failed
        yield stack
    finally:
        await asyncio.gather(*(stop_process(p.popen) for p in stack.processes.values() if p.popen is not None))
        shutil.rmtree(runtime, ignore_errors=True)


UVICORN = str(Path(sys.executable).with_name("uvicorn"))


@contextlib.asynccontextmanager
async def running_gateway(
    apps: dict[str, str] | None = None, *, rate_limit: int = 10_000, rate_burst: int = 10_000
) -> AsyncIterator[str]:
    """Start each service with uvicorn and nginx rendered from deploy/; yield the gateway's base URL.

    ``apps`` replaces a service's app factory (``module:function``) for a test that needs one. The rate
    limit is lifted unless asked for: the fuzzers send hundreds of requests a second from one address.
    """
    # The console too: the gateway sends it every path outside /api, which must never answer a 5xx.
    factories = {s: f"services.{s}.app:create_app" for s in WEB_KINDS} | (apps or {})
    ports = {service: free_port() for service in factories}
    gateway_port, internal_port = free_port(), free_port()
    runtime = Path(tempfile.mkdtemp(prefix="negoce-gateway-"))
    # As make run does: the mailings service resolves campaigns through the clients service itself.
    env = {
        **os.environ,
        "NEGOCE_MAILINGS_CLIENTS_URL": f"http://127.0.0.1:{ports['clients']}",
        "NEGOCE_CONSOLE_API_URL": f"http://127.0.0.1:{internal_port}",
    }
    processes = [
        subprocess.Popen(
            [UVICORN, "--factory", factories[s], "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for s, port in ports.items()
    ]
    try:
        subprocess.run(
            [
                "sh",
                str(ROOT / "deploy/render-nginx.sh"),
                str(runtime),
                str(gateway_port),
                *(str(ports[s]) for s in ("clients", "orders", "reminders", "mailings", "identity")),
                *(str(ports["console"]), str(internal_port)),
            ],
            check=True,
            cwd=ROOT,
            env={**os.environ, "RATE_LIMIT": str(rate_limit), "RATE_BURST": str(rate_burst)},
        )
        processes.append(
            subprocess.Popen(
                [NGINX, "-e", "stderr", "-p", str(runtime), "-c", str(runtime / "nginx.conf")],
                stderr=subprocess.DEVNULL,
            )
        )
        base = f"http://127.0.0.1:{gateway_port}"
        for service in WEB_KINDS:
            await wait_until_ready(f"{base}/ready/{service}")
        yield base
    finally:
        await asyncio.gather(*(stop_process(process) for process in processes))
        shutil.rmtree(runtime, ignore_errors=True)
