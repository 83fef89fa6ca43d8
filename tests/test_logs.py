"""Every process logs JSON lines carrying the correlation id and the trace ids; an access line per request."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.access_support import free_port
from tests.observability_support import CeleryProcesses, OtlpSink
from tests.orders_support import orders_account
from tests.reminders_support import (  # noqa: F401 (fixtures)
    ROOT,
    known_client,
    new_rem_account,
    rem_api,
    rem_sql,
    reminders_app,
)
from tests.stack_support import stop_process, wait_until_ready
from tests.support import eventually

# Celery's signal handler prints this one line itself, outside logging, as the worker stops.
CELERY_SHUTDOWN_PRINT = re.compile(r"worker: (Warm|Cold) shutdown \(MainProcess\)")


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line a process wrote, each parsed as JSON (a line that is not JSON fails the test)."""
    text = path.read_text(errors="replace").splitlines()
    lines = [line for line in text if line.strip() and not CELERY_SHUTDOWN_PRINT.fullmatch(line)]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line in {path.name}: {line!r}")
    return parsed


@pytest.mark.timeout(90)
async def test_an_api_request_gives_one_json_access_line_with_its_request_and_trace_ids(tmp_path):
    port = free_port()
    log = tmp_path / "orders.log"
    with OtlpSink() as sink:
        env = {**os.environ, "NEGOCE_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1", **sink.environment}
        command = [
            *(str(Path(sys.executable).with_name("uvicorn")), "--factory", "services.orders.app:create_app"),
            *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            await wait_until_ready(f"http://127.0.0.1:{port}/ready", timeout=60)
            request_id = f"logs-test-{secrets.token_hex(8)}"
            trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                answer = await http.get(
                    "/api/orders/containers",
                    headers={
                        **orders_account().headers,
                        "X-Request-ID": request_id,
                        "traceparent": f"00-{trace_id}-{parent_id}-01",
                    },
                )
            assert answer.status_code == 200, answer.text

            def access_lines() -> list[dict[str, Any]]:
                return [
                    line
                    for line in json_lines(log)
                    if line["name"] == "negoce.access" and line.get("correlation_id") == request_id
                ]

            (line,) = await eventually(access_lines, timeout=10)
            assert line["service"] == "orders"
            assert (line["method"], line["route"], line["path"], line["status"]) == (
                "GET",
                "/api/orders/containers",
                "/api/orders/containers",
                200,
            )
            assert line["duration_ms"] > 0
            # The caller's trace goes on in the service: the line names it, and a span of the request.
            assert line["trace_id"] == trace_id
            assert len(line["span_id"]) == 16 and line["span_id"] != parent_id
            # The spans left for the OTLP endpoint the environment named.
            await eventually(lambda: sink.exports, timeout=10)
        finally:
            await stop_process(process)
        # Everything the process wrote, uvicorn's own lines and the shutdown's included, is JSON.
        lines = json_lines(log)
        assert {line["service"] for line in lines} == {"orders"}
        assert not [line for line in lines if line["name"] == "negoce.access" and line["path"] in ("/ready", "/health")]


@pytest.mark.timeout(90)
async def test_celery_worker_and_beat_log_json_and_the_firing_carries_its_trace(rem_api, rem_sql):
    account = await new_rem_account(rem_api)
    client_id = await known_client(rem_sql, account.id, name="Cave Journal")
    due = datetime.now(UTC) + timedelta(seconds=2)
    created = await rem_api.post(
        "/api/reminders",
        headers=account.headers,
        json={"client_id": client_id, "due_at": due.isoformat(), "text": "Rappel journalisé"},
    )
    assert created.status_code == 201, created.text
    with tempfile.TemporaryDirectory(prefix="negoce-logs-") as directory, OtlpSink() as sink:
        celery = CeleryProcesses(Path(directory))
        await celery.start(env=sink.environment)
        try:

            def fired_line() -> dict[str, Any] | None:
                lines = json_lines(celery.log("worker"))
                return next((line for line in lines if str(line["message"]).startswith("firing ")), None)

            line = await eventually(fired_line, timeout=40, interval=0.2)
            assert line["service"] == "reminders-worker"
            assert line["correlation_id"] == "-"  # a tick answers no request
            assert len(line["trace_id"]) == 32 and len(line["span_id"]) == 16
            await eventually(lambda: sink.exports, timeout=10)
        except BaseException:
            sys.stderr.write(celery.logs())
            raise
        finally:
            await celery.stop()
        worker, beat = json_lines(celery.log("worker")), json_lines(celery.log("beat"))
        assert {line["service"] for line in worker} == {"reminders-worker"}
        assert {line["service"] for line in beat} <= {"reminders-beat"}
        assert any(line["name"] == "celery.apps.worker" for line in worker)  # Celery's own lines, as JSON
