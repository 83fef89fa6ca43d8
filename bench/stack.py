"""The stack under test: the clients service (uvicorn) behind an nginx gateway, started and stopped here."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.config import BENCH_ACCOUNT_ID, DATABASE_URL, ROOT
from bench.tokens import BenchKeys, announce_account
from shared.settings import DEVELOPMENT_JWT_SECRET

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass(frozen=True)
class Stack:
    """Addresses of the running stack."""

    gateway_url: str
    service_url: str
    keys: BenchKeys
    workdir: Path
    service_pid: int
    gateway_pid: int
    # The web console, when asked for (it calls the API on the gateway's internal port).
    console_url: str | None = None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(process: subprocess.Popen[bytes], name: str, sig: int = signal.SIGTERM, grace: float = 15.0) -> None:
    """Stop one process we started, by its pid: ``sig``, then SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop within {grace:.0f} s; killing pid {process.pid}", file=sys.stderr)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(timeout=5)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_ready(url: str, processes: dict[str, tuple[subprocess.Popen[bytes], Path]], timeout: float) -> None:
    """Poll ``url`` until it answers 200; fail fast if a process of the stack exits."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            for name, (process, log) in processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                answer = client.get(url)
                if answer.status_code == 200:
                    return
                last = f"{answer.status_code} {answer.text[:200]}"
            time.sleep(0.2)
    logs = "\n".join(f"--- {name}\n{_tail(log)}" for name, (_, log) in processes.items())
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s ({last})\n{logs}")


@contextlib.contextmanager
def running_stack(*, ready_timeout: float = 60.0, with_console: bool = False) -> Iterator[Stack]:
    """Start the clients service (and the console) and the gateway on free ports; stop them on exit, error or Ctrl-C."""
    workdir = Path(tempfile.mkdtemp(prefix="negoce-bench-"))
    workdir.chmod(0o755)  # nginx workers may run as another user
    secret = os.environ.get("NEGOCE_JWT_SECRET", DEVELOPMENT_JWT_SECRET)
    service_port, gateway_port = free_port(), free_port()
    keys = BenchKeys()
    announce_account(DATABASE_URL.replace("+asyncpg", "+psycopg"), account_id=BENCH_ACCOUNT_ID, name="Bench")
    env = {
        **os.environ,
        "NEGOCE_CLIENTS_DATABASE_URL": DATABASE_URL,
        "NEGOCE_ENVIRONMENT": "development",
        "NEGOCE_JWT_SECRET": secret,
        "NEGOCE_IDENTITY_JWKS_URL": keys.jwks_url,
        "NEGOCE_LOG_LEVEL": "WARNING",
        "NEGOCE_CLIENTS_RUN_CONSUMERS": "true",
        "PYTHONPATH": str(ROOT),
    }
    started: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    previous_term = signal.signal(signal.SIGTERM, _raise_exit)
    try:
        service_log = workdir / "service.log"
        with service_log.open("wb") as out:
            # Own session: Ctrl-C reaches only us, and we stop the children in order.
            started["clients service"] = (
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "--factory",
                        "services.clients.app:create_app",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(service_port),
                        "--log-level",
                        "warning",
                        "--no-access-log",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                ),
                service_log,
            )
        gateway_dir = workdir / "gateway"
        console_port, internal_port = free_port(), free_port()
        others = [str(free_port()) for _ in range(4)]  # orders, reminders, mailings, identity: not started
        if with_console:
            console_log = workdir / "console.log"
            with console_log.open("wb") as out:
                started["console"] = (
                    subprocess.Popen(
                        [
                            *(sys.executable, "-m", "uvicorn", "--factory", "services.console.app:create_app"),
                            *("--host", "127.0.0.1", "--port", str(console_port)),
                            *("--log-level", "warning", "--no-access-log"),
                        ],
                        cwd=ROOT,
                        env={**env, "NEGOCE_CONSOLE_API_URL": f"http://127.0.0.1:{internal_port}"},
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    ),
                    console_log,
                )
        subprocess.run(
            [
                "sh",
                str(ROOT / "deploy" / "render-nginx.sh"),
                str(gateway_dir),
                str(gateway_port),
                str(service_port),
                *others,
                str(console_port),
                str(internal_port),
            ],
            check=True,
            # The benchmarks measure the system from one address, many requests at once: no rate limit.
            env={**os.environ, "ACCESS_LOG": "off", "RATE_LIMIT": "1000000", "RATE_BURST": "1000000"},
        )
        gateway_log = workdir / "gateway.log"
        with gateway_log.open("wb") as out:
            started["gateway"] = (
                subprocess.Popen(
                    [NGINX, "-p", str(gateway_dir), "-c", str(gateway_dir / "nginx.conf"), "-e", "stderr"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                ),
                gateway_log,
            )
        gateway_url = f"http://127.0.0.1:{gateway_port}"
        _wait_ready(f"{gateway_url}/ready/clients", started, ready_timeout)
        if with_console:
            _wait_ready(f"{gateway_url}/ready/console", started, ready_timeout)
        yield Stack(
            gateway_url=gateway_url,
            service_url=f"http://127.0.0.1:{service_port}",
            keys=keys,
            workdir=workdir,
            service_pid=started["clients service"][0].pid,
            gateway_pid=started["gateway"][0].pid,
            console_url=f"http://127.0.0.1:{console_port}" if with_console else None,
        )
    finally:
        if "gateway" in started:
            _stop(started["gateway"][0], "gateway", signal.SIGQUIT, grace=5.0)
        if "console" in started:
            _stop(started["console"][0], "console")
        if "clients service" in started:
            _stop(started["clients service"][0], "clients service")
        signal.signal(signal.SIGTERM, previous_term)
        keys.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
