"""Every process kind serves Prometheus metrics, and its numbers move when it works.

The APIs are the session's in-process apps (their /metrics is a route like any other); the export
worker, Celery's prefork worker and beat run as the processes `make run` starts, scraped on
NEGOCE_METRICS_PORT.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.clients.settings import ClientsSettings
from tests.access_support import free_port
from tests.conftest import AMQP_URL, TestAccount, isolated_database, running
from tests.mailings_support import (  # noqa: F401 (fixtures)
    campaign_api,
    campaign_app,
    client_events,
    known_client,
    mail_account,
    mailings_api,
    mailings_app,
    render_dir,
    send,
    settled,
    smtp,
)
from tests.observability_support import CeleryProcesses, scrape, scraped_with, value
from tests.orders_support import client_event, client_snapshot, orders_account, orders_sql  # noqa: F401
from tests.reminders_support import (  # noqa: F401 (fixtures)
    ROOT,
    new_rem_account,
    rem_api,
    rem_sql,
    reminders_app,
)
from tests.reminders_support import (
    known_client as known_to_reminders,
)
from tests.support import eventually, in_process, publish_event
from tests.test_mailings_campaigns import BEAUNE, create, new_client


async def test_api_requests_are_counted_and_timed_by_route_template(api, account: TestAccount):
    labels = {"service": "clients", "method": "POST", "route": "/api/clients", "status": "201"}
    before = await scrape(api)
    created = await api.post("/api/clients", json={"last_name": "Mesuré"}, headers=account.headers)
    assert created.status_code == 201, created.text
    client_id = created.json()["id"]
    assert (await api.get(f"/api/clients/{client_id}", headers=account.headers)).status_code == 200
    assert (await api.get("/api/clients/999999999999", headers=account.headers)).status_code == 404
    after = await scrape(api)

    assert (
        value(after, "negoce_http_requests_total", **labels)
        == value(before, "negoce_http_requests_total", **labels) + 1
    )
    duration = {"service": "clients", "method": "POST", "route": "/api/clients"}
    assert value(after, "negoce_http_request_duration_seconds_count", **duration) == (
        value(before, "negoce_http_request_duration_seconds_count", **duration) + 1
    )
    sheet = {"service": "clients", "method": "GET", "route": "/api/clients/{client_id}"}
    for status in ("200", "404"):
        assert value(after, "negoce_http_requests_total", **sheet, status=status) >= 1
    # Templates only: a raw path would make a label value per client.
    assert f"/api/clients/{client_id}" not in after
    assert "/api/clients/999999999999" not in after
    # Scrape-time gauges: the outbox (the relay keeps it near empty) and the dead letters of the service's queues.
    assert 'negoce_outbox_pending{service="clients"}' in after
    assert 'negoce_dead_letter_messages{queue="clients.invoice.issued.dead",service="clients"}' in after
    # /metrics is not part of the API's published document.
    assert "/metrics" not in (await api.get("/api/clients/openapi.json")).json()["paths"]


async def test_consumed_events_are_counted_by_type_and_outcome_and_poison_shows_in_dead_letters(orders_app, orders_sql):
    async with in_process(orders_app) as orders:
        applied = {"consumer": "orders", "type": "client.created", "outcome": "applied"}
        duplicate = {**applied, "outcome": "duplicate"}
        dead = {"service": "orders", "queue": "orders.client.created.dead"}
        before = await scrape(orders)
        account = orders_account()
        event_id = await client_event(account, "client.created", client_snapshot(10**15 + 7))

        async def counted(labels: dict[str, str], increase: float) -> bool:
            now = await scrape(orders)
            return (
                value(now, "negoce_events_consumed_total", **labels)
                >= value(before, "negoce_events_consumed_total", **labels) + increase
            )

        await eventually(lambda: counted(applied, 1))
        await client_event(account, "client.created", client_snapshot(10**15 + 7), event_id=event_id)
        await eventually(lambda: counted(duplicate, 1))

        # A body that is no event is refused at every delivery, then dead-lettered (delivery limit 3).
        await publish_event(
            AMQP_URL,
            exchange="negoce.clients",
            event_type="client.created",
            account_id=account.id,
            payload={},
            raw_body=b"not an event",
        )

        async def dead_lettered() -> bool:
            return value(await scrape(orders), "negoce_dead_letter_messages", **dead) >= (
                value(before, "negoce_dead_letter_messages", **dead) + 1
            )

        await eventually(dead_lettered, timeout=30, interval=0.3)


@pytest.fixture(scope="module")
async def clients_without_relay() -> AsyncIterator[httpx.AsyncClient]:
    """A clients service on a database of its own whose relay and consumers do not run: its outbox only grows."""
    settings = ClientsSettings(
        database_url=isolated_database("clients", "metrics"), run_outbox_relay=False, run_consumers=False
    )
    from services.clients.app import create_app

    async with running(create_app(settings)) as app, in_process(app) as client:
        yield client


async def test_the_outbox_backlog_and_the_age_of_its_oldest_row_are_gauged(clients_without_relay, account):
    api = clients_without_relay
    pending = {"service": "clients"}
    before = value(await scrape(api), "negoce_outbox_pending", **pending)
    for name in ("Premier", "Second"):
        response = await api.post("/api/clients", json={"last_name": name}, headers=account.headers)
        assert response.status_code == 201, response.text
    await asyncio.sleep(1.1)
    after = await scrape(api)
    assert value(after, "negoce_outbox_pending", **pending) == before + 2
    assert value(after, "negoce_outbox_oldest_pending_age_seconds", **pending) >= 1.0


async def _export_worker(port: int, export_dir: Path) -> asyncio.subprocess.Process:
    """`negoce clients export-worker` on the session's clients database, serving metrics on ``port``."""
    negoce = Path(sys.executable).parent / "negoce"
    env = {
        **os.environ,
        "NEGOCE_METRICS_PORT": str(port),
        "NEGOCE_METRICS_ADDRESS": "127.0.0.1",
        "NEGOCE_CLIENTS_EXPORT_DIR": str(export_dir),
        "NEGOCE_CLIENTS_EXPORT_POLL_SECONDS": "0.2",
    }
    return await asyncio.create_subprocess_exec(str(negoce), "clients", "export-worker", env=env)


@pytest.mark.timeout(90)
async def test_a_queued_export_shows_in_the_job_gauge_and_the_worker_counts_it_done(api, account, tmp_path):
    waiting = {"service": "clients", "queue": "exports"}
    job = await api.post("/api/clients/exports", json={}, headers=account.headers)
    assert job.status_code == 202, job.text
    queued = value(await scrape(api), "negoce_jobs_waiting", **waiting)
    assert queued >= 1
    port = free_port()
    worker = await _export_worker(port, tmp_path)
    try:

        async def done() -> bool:
            body = (await api.get(f"/api/clients/exports/{job.json()['id']}", headers=account.headers)).json()
            return body["state"] == "done"

        await eventually(done, timeout=60, interval=0.2)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            metrics = await eventually(lambda: scraped_with(http, "/metrics", ""), timeout=10)
        assert value(metrics, "negoce_jobs_finished_total", queue="export", outcome="done") >= 1
        assert value(metrics, "negoce_job_duration_seconds_count", queue="export") >= 1
    finally:
        worker.terminate()
        await worker.wait()
    assert value(await scrape(api), "negoce_jobs_waiting", **waiting) <= queued - 1


async def test_smtp_outcomes_and_the_email_queue_are_counted(mailings_app, mailings_api, client_events, smtp):
    account = mail_account()
    client_id = await known_client(mailings_app, client_events, account, 7, email="mesure@example.fr")
    before = await scrape(mailings_api)
    assert 'negoce_jobs_waiting{queue="emails",service="mailings"}' in before
    assert 'negoce_jobs_waiting{queue="renders",service="mailings"}' in before
    email = await send(
        mailings_api, account, client_id=client_id, subject="Mesure", body="Bonjour", recipients=["mesure@example.fr"]
    )
    await settled(mailings_api, account, email["id"], "sent")
    after = await scrape(mailings_api)
    assert value(after, "negoce_smtp_deliveries_total", outcome="sent") == (
        value(before, "negoce_smtp_deliveries_total", outcome="sent") + 1
    )


@pytest.mark.timeout(90)
async def test_a_render_worker_counts_the_campaign_it_printed(api, account, campaign_api, render_dir):
    client_id = await new_client(api, account, first_name="Paul", last_name="Mesure", billing_address=BEAUNE)
    campaign = await create(campaign_api, account, {"client_ids": [client_id]})
    await campaign_api.patch(campaign["href"], headers=account.headers, json={"text": "Bonjour {{first_name}}"})
    queued = await campaign_api.post(f"{campaign['href']}/renders", json={"kind": "letters"}, headers=account.headers)
    assert queued.status_code == 202, queued.text
    waiting = {"service": "mailings", "queue": "renders"}
    assert value(await scrape(campaign_api), "negoce_jobs_waiting", **waiting) >= 1
    port = free_port()
    env = {
        **os.environ,
        "NEGOCE_METRICS_PORT": str(port),
        "NEGOCE_METRICS_ADDRESS": "127.0.0.1",
        "NEGOCE_MAILINGS_RENDER_DIR": str(render_dir),
        "NEGOCE_MAILINGS_RENDER_POLL_SECONDS": "0.1",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.mailings.renders.worker", env=env, stdout=asyncio.subprocess.DEVNULL
    )
    try:

        async def done() -> bool:
            body = (await campaign_api.get(queued.json()["href"], headers=account.headers)).json()
            return body["state"] == "done"

        await eventually(done, timeout=60, interval=0.1)
        async with httpx.AsyncClient(timeout=5) as http:
            url = f"http://127.0.0.1:{port}/metrics"
            metrics = await eventually(lambda: scraped_with(http, url, "negoce_jobs_finished_total"), timeout=10)
        assert value(metrics, "negoce_jobs_finished_total", queue="render", outcome="done") >= 1
    finally:
        worker.terminate()
        await worker.wait()


@pytest.mark.timeout(90)
async def test_celery_worker_and_beat_count_ticks_and_how_late_reminders_fire(rem_api, rem_sql):
    account = await new_rem_account(rem_api)
    client_id = await known_to_reminders(rem_sql, account.id, name="Cave Mesure")
    due = datetime.now(UTC) + timedelta(seconds=2)
    created = await rem_api.post(
        "/api/reminders",
        headers=account.headers,
        json={"client_id": client_id, "due_at": due.isoformat(), "text": "Rappel mesuré"},
    )
    assert created.status_code == 201, created.text
    with tempfile.TemporaryDirectory(prefix="negoce-metrics-") as directory:
        celery = CeleryProcesses(Path(directory))
        await celery.start(multiprocess=True)
        try:

            async def fired() -> bool:
                rows = await rem_sql("SELECT fired_at FROM reminders WHERE id = :id", id=created.json()["id"])
                return rows[0].fired_at is not None

            await eventually(fired, timeout=40, interval=0.2)
            async with httpx.AsyncClient(timeout=5) as http:
                worker_url = f"http://127.0.0.1:{celery.ports['worker']}/metrics"
                # The tick that fired it ran in a prefork child: its parent's page adds the children's files up.
                worker = await eventually(
                    lambda: scraped_with(http, worker_url, "negoce_reminder_fire_lateness_seconds_count"), timeout=15
                )
                assert value(worker, "negoce_reminder_fire_lateness_seconds_bucket", le="+Inf") >= 1
                assert value(worker, "negoce_celery_tasks_total", task="reminders.fire_due", state="succeeded") >= 1
                beat_url = f"http://127.0.0.1:{celery.ports['beat']}/metrics"
                beat = await eventually(lambda: scraped_with(http, beat_url, "negoce_celery_tasks_total"), timeout=10)
                assert value(beat, "negoce_celery_tasks_total", task="reminders.fire_due", state="published") >= 1
            assert not (Path(directory) / "metrics" / "counter_1.db").exists()
        except BaseException:
            sys.stderr.write(celery.logs())
            raise
        finally:
            await celery.stop()


def test_a_process_without_a_metrics_port_serves_nothing(monkeypatch):
    from shared.observability.metrics import metrics_port

    monkeypatch.delenv("NEGOCE_METRICS_PORT", raising=False)
    assert metrics_port() is None
    monkeypatch.setenv("NEGOCE_METRICS_PORT", "0")
    assert metrics_port() is None
    monkeypatch.setenv("NEGOCE_METRICS_PORT", "9101")
    assert metrics_port() == 9101


async def test_the_console_counts_its_requests_by_route(tmp_path):
    from services.console.app import create_app

    async with in_process(create_app()) as console:
        assert (await console.get("/health")).status_code == 200
        assert (await console.get("/no/such/page")).status_code == 404
        page = await scrape(console)
    assert (
        value(page, "negoce_http_requests_total", service="console", method="GET", route="/health", status="200") >= 1
    )
    assert (
        value(page, "negoce_http_requests_total", service="console", method="GET", route="unmatched", status="404") >= 1
    )


async def test_the_gateway_never_shows_metrics_on_either_port(tmp_path):
    """nginx alone, every upstream down: /metrics is the gateway's own 404, anything else of the console's a 502."""
    nginx = os.environ.get("NEGOCE_NGINX_BIN") or shutil.which("nginx") or "/usr/sbin/nginx"
    public, internal, nowhere = free_port(), free_port(), free_port()
    subprocess.run(
        ["sh", str(ROOT / "deploy/render-nginx.sh"), str(tmp_path), str(public), *[str(nowhere)] * 6, str(internal)],
        check=True,
        cwd=ROOT,
    )
    process = subprocess.Popen(
        [nginx, "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], stderr=subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            for port in (public, internal):
                base = f"http://127.0.0.1:{port}"
                await eventually(functools.partial(_answers, http, f"{base}/health"), timeout=10)
                for path in ("/metrics", "/metrics/", "/metrics?name=x", "//metrics", "/%6Detrics"):
                    response = await http.get(f"{base}{path}")
                    assert response.status_code == 404, (port, path)
                    assert response.headers["content-type"] == "application/problem+json"
                assert (await http.get(f"{base}/clients")).status_code == 502  # the console's, which is down
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _answers(http: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await http.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_scrape_config_procfile_and_dashboard_agree_with_what_the_processes_serve():
    import json
    import re

    import yaml
    from prometheus_client import REGISTRY

    import shared.observability.metrics  # noqa: F401 (registers every metric)

    config = yaml.safe_load((ROOT / "deploy/observability/prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for group in job["static_configs"] for t in group["targets"]}
    worker_ports = {"clients-exports": 9101, "renders": 9102, "reminders-worker": 9103, "reminders-beat": 9104}
    assert targets == {
        *(
            f"{s}:{p}"
            for s, p in zip(
                ("clients", "orders", "reminders", "mailings", "identity", "console"), range(8101, 8107), strict=True
            )
        ),
        *(f"{host}:{port}" for host, port in worker_ports.items()),
        "rabbitmq:15692",
    }
    # make run serves the workers' metrics on the same ports.
    procfile = (ROOT / "deploy/Procfile").read_text()
    for port in worker_ports.values():
        assert f'METRICS_PORT:-{port}}}"' in procfile

    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}
    served = {
        family.name + suffix
        for family in REGISTRY.collect()
        if family.name.startswith("negoce_")
        for suffix in suffixes.get(family.type, ())
    }
    dashboard = json.loads((ROOT / "deploy/observability/grafana/dashboards/negoce.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {name for expr in expressions for name in re.findall(r"negoce_[a-z_]+", expr)}
    assert used and used <= served, used - served
    # Every kind of measure the issue asks for has a panel.
    for metric in (
        "negoce_http_requests_total",
        "negoce_http_request_duration_seconds_bucket",
        "negoce_events_consumed_total",
        "negoce_outbox_pending",
        "negoce_outbox_oldest_pending_age_seconds",
        "negoce_dead_letter_messages",
        "negoce_jobs_waiting",
        "negoce_jobs_oldest_waiting_age_seconds",
        "negoce_reminder_fire_lateness_seconds_bucket",
        "negoce_smtp_deliveries_total",
    ):
        assert metric in used, metric
    datasource = yaml.safe_load(
        (ROOT / "deploy/observability/grafana/provisioning/datasources/prometheus.yml").read_text()
    )
    uids = {panel["datasource"]["uid"] for panel in dashboard["panels"]}
    assert uids == {source["uid"] for source in datasource["datasources"]}
