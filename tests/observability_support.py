"""Helpers of the metrics, tracing and logs tests: reading a scrape, an OTLP sink, Celery's processes."""

from __future__ import annotations

import asyncio
import http.server
import os
import threading
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.access_support import free_port
from tests.reminders_support import CELERY, CELERY_QUEUE, ROOT, RedisServer


def value(scrape: str, name: str, **labels: str) -> float:
    """A sample's value in a scrape (0 when the process has not counted it yet)."""
    for family in text_string_to_metric_families(scrape):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def scrape(client: httpx.AsyncClient, url: str = "/metrics") -> str:
    """GET a metrics page, asserting it is Prometheus' text format."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def scraped_with(http: httpx.AsyncClient, url: str, name: str) -> str | None:
    """The page at ``url`` once it holds a non-zero ``name`` (any page when ``name`` is empty); None before."""
    try:
        page = await scrape(http, url)
    except httpx.HTTPError:
        return None
    return page if not name or value(page, name) > 0 else None


class OtlpSink:
    """An HTTP server taking OTLP exports (POST /v1/traces) and answering 200, counting them."""

    def __init__(self) -> None:
        self.port = free_port()
        self.exports: list[bytes] = []
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/v1/traces":
                    sink.exports.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def environment(self) -> dict[str, str]:
        """The OTEL_* variables that send a process's spans here, quickly."""
        return {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{self.port}", "OTEL_BSP_SCHEDULE_DELAY": "200"}

    def __enter__(self) -> OtlpSink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class CeleryProcesses:
    """A Celery worker (prefork, concurrency 2) and beat on a private Redis, each serving its metrics."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.redis = RedisServer(workdir)
        self.ports = {"worker": free_port(), "beat": free_port()}
        self.processes: list[asyncio.subprocess.Process] = []

    def log(self, kind: str) -> Path:
        """Where a process's standard output and error go."""
        return self.workdir / f"{kind}.log"

    async def start(self, *, multiprocess: bool = False, env: dict[str, str] | None = None) -> None:
        """Start Redis, the worker and beat (as deploy/Procfile does: --quiet, no banner), with ``env`` added."""
        self.redis.start()
        directory = self.workdir / "metrics"
        directory.mkdir()
        if multiprocess:
            (directory / "counter_1.db").write_bytes(b"")  # a previous run's file: the worker must remove it
        for kind, extra in (
            ("worker", ["--concurrency", "2", "--without-gossip", "--without-mingle"]),
            ("beat", ["--schedule", str(self.workdir / "celerybeat-schedule")]),
        ):
            environment = {
                **os.environ,
                "NEGOCE_REMINDERS_CELERY_BROKER_URL": self.redis.url,
                "NEGOCE_REMINDERS_CELERY_QUEUE": CELERY_QUEUE,
                "NEGOCE_METRICS_PORT": str(self.ports[kind]),
                "NEGOCE_METRICS_ADDRESS": "127.0.0.1",
                **({"PROMETHEUS_MULTIPROC_DIR": str(directory)} if multiprocess and kind == "worker" else {}),
                **(env or {}),
            }
            app = "services.reminders.firing.worker:celery_app"
            command = [CELERY, "--quiet", "-A", app, kind, "--loglevel", "INFO", *extra]
            with self.log(kind).open("ab") as log:
                self.processes.append(
                    await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=environment, stdout=log, stderr=log)
                )

    async def stop(self) -> None:
        """Stop the processes, then Redis."""
        for process in self.processes:
            if process.returncode is None:
                process.terminate()
        for process in self.processes:
            try:
                async with asyncio.timeout(20):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        self.redis.kill()

    def logs(self) -> str:
        """The end of what the processes logged."""
        return "\n".join(
            f"--- {kind}\n{self.log(kind).read_text(errors='replace')[-3000:]}"
            for kind in self.ports
            if self.log(kind).exists()
        )
