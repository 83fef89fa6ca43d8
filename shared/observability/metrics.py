"""The Prometheus metrics every process exposes, and how a process without HTTP routes serves them.

Label values are bounded on purpose: routes are templates (``/api/clients/{client_id}``), never raw
paths; event types, consumers, queues and outcomes are fixed sets of names from the code.
A process with routes serves ``/metrics`` on its own port (shared/app.py); a worker serves them with
prometheus_client's HTTP server on ``NEGOCE_METRICS_PORT`` (``serve_metrics``). A prefork Celery
worker counts in its children: with ``PROMETHEUS_MULTIPROC_DIR`` set, prometheus_client writes each
process's values to files there and the parent adds them up when scraped (``serve_multiprocess_metrics``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess, start_http_server

log = logging.getLogger(__name__)

METRICS_PORT_VARIABLE = "NEGOCE_METRICS_PORT"
METRICS_ADDRESS_VARIABLE = "NEGOCE_METRICS_ADDRESS"
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "negoce_http_requests",
    "HTTP requests answered, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "negoce_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
EVENTS_CONSUMED = Counter(
    "negoce_events_consumed",
    "Events a consumer took: applied (its effect committed), duplicate (already in its inbox) or failed.",
    ["consumer", "type", "outcome"],
)
OUTBOX_PENDING = Gauge(
    "negoce_outbox_pending",
    "Outbox rows not yet published (counted up to a cap, see shared/observability/repository.py).",
    ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "negoce_outbox_oldest_pending_age_seconds",
    "Age of the oldest unpublished outbox row; 0 when none waits.",
    ["service"],
)
DEAD_LETTERS = Gauge(
    "negoce_dead_letter_messages",
    "Messages waiting in a consumer queue's dead-letter queue.",
    ["service", "queue"],
)
JOBS_WAITING = Gauge(
    "negoce_jobs_waiting",
    "Jobs queued and not yet done (export jobs, render jobs, e-mails), counted up to a cap.",
    ["service", "queue"],
)
JOBS_OLDEST_AGE = Gauge(
    "negoce_jobs_oldest_waiting_age_seconds",
    "Age of the oldest job still waiting; 0 when none waits.",
    ["service", "queue"],
)
JOBS_FINISHED = Counter(
    "negoce_jobs_finished",
    "Attempts of a worker at a job: done, failed, retried later, or lost to another worker.",
    ["queue", "outcome"],
)
JOB_DURATION = Histogram(
    "negoce_job_duration_seconds",
    "How long a worker spent on one attempt at a job.",
    ["queue"],
    buckets=(0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0),
)
REMINDER_LATENESS = Histogram(
    "negoce_reminder_fire_lateness_seconds",
    "How late a reminder fired: the firing transaction's time minus the reminder's due time.",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0),
)
SMTP_DELIVERIES = Counter(
    "negoce_smtp_deliveries",
    "Outcomes of SMTP attempts: sent, retried (a temporary failure, tried again later) or failed (given up).",
    ["outcome"],
)
CELERY_TASKS = Counter(
    "negoce_celery_tasks",
    "Celery tasks: published (by beat), succeeded or failed (in a worker), by task name.",
    ["task", "state"],
)


def metrics_port() -> int | None:
    """The port a worker serves its metrics on, from NEGOCE_METRICS_PORT; None when unset or 0."""
    port = int(os.environ.get(METRICS_PORT_VARIABLE, "").strip() or 0)
    return port or None


def serve_metrics(process: str) -> None:
    """Serve this process's metrics on NEGOCE_METRICS_PORT in a thread (nothing when unset)."""
    port = metrics_port()
    if port is None:
        return
    _listen(process, port, REGISTRY)


def serve_multiprocess_metrics(process: str) -> None:
    """In a prefork parent: serve the sum of every process's metrics files on NEGOCE_METRICS_PORT.

    Call it once, before the children are forked. Files of earlier runs are removed first (their
    counters would be added to this run's); without PROMETHEUS_MULTIPROC_DIR only this process's
    own metrics are served, and a warning says the children's are missing.
    """
    port = metrics_port()
    if port is None:
        return
    directory = os.environ.get(MULTIPROCESS_VARIABLE)
    if not directory:
        log.warning(
            "%s is not set: the metrics of %s's child processes are not collected", MULTIPROCESS_VARIABLE, process
        )
        serve_metrics(process)
        return
    own = f"_{os.getpid()}.db"
    for stale in Path(directory).glob("*.db"):
        if not stale.name.endswith(own):
            stale.unlink(missing_ok=True)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    _listen(process, port, registry)


def _listen(process: str, port: int, registry: CollectorRegistry) -> None:
    # 0.0.0.0 by default: in a container, Prometheus scrapes from outside (make run sets 127.0.0.1).
    address = os.environ.get(METRICS_ADDRESS_VARIABLE, "0.0.0.0")
    try:
        start_http_server(port, addr=address, registry=registry)
    except OSError:
        # The work matters more than its numbers: the process goes on, and Prometheus shows it down.
        log.error("%s cannot serve its metrics on %s:%d", process, address, port, exc_info=True)
        return
    log.info("%s serves its metrics on %s:%d", process, address, port)


def child_process_exited(pid: int) -> None:
    """Forget a dead child's live gauges (its counters stay, as prometheus_client's multiprocess mode wants)."""
    if os.environ.get(MULTIPROCESS_VARIABLE):
        multiprocess.mark_process_dead(pid)
