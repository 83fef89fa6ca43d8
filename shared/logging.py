"""Structured JSON logs; every line carries the service name, the correlation id and the trace ids.

Every process logs this way: the APIs and the console (their app factories), the export and render
workers, and Celery's worker and beat (``configure_celery_logging``, connected to Celery's
``setup_logging`` signal so Celery installs no formatter of its own). A line logged inside a trace
has ``trace_id`` and ``span_id`` (hex, as tracing back ends show them); outside one they are null.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from asgi_correlation_id import CorrelationIdFilter
from pythonjsonlogger.json import JsonFormatter

from shared.observability.tracing import trace_ids

FORMAT = "%(asctime)s %(levelname)s %(name)s %(service)s %(correlation_id)s %(trace_id)s %(span_id)s %(message)s"


class _ServiceFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        return True


class _TraceFilter(logging.Filter):
    """Stamps each line with the ids of the span it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = trace_ids()
        record.trace_id = ids["trace_id"] if ids else None
        record.span_id = ids["span_id"] if ids else None
        return True


def json_handler(service: str) -> logging.Handler:
    """A stdout handler writing JSON lines with the service, correlation id and trace ids."""
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(CorrelationIdFilter(uuid_length=32, default_value="-"))
    handler.addFilter(_ServiceFilter(service))
    handler.addFilter(_TraceFilter())
    handler.setFormatter(JsonFormatter(FORMAT, rename_fields={"levelname": "level", "asctime": "time"}))
    return handler


def configure_logging(*, service: str, level: str = "INFO") -> None:
    """Send JSON lines to stdout; idempotent so app factories may call it repeatedly."""
    root = logging.getLogger()
    root.handlers = [json_handler(service)]
    root.setLevel(level.upper())
    # Python's warnings (Celery's about running as root, deprecations) become JSON lines too, not stderr text.
    logging.captureWarnings(True)
    # uvicorn gives its loggers handlers of their own (plain text): theirs go through the JSON one too.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # uvicorn's own access log stays off (--no-access-log, and quiet here): shared/observability/http.py
    # logs each request once, with its route template, correlation id and trace ids, which uvicorn's cannot.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def configure_celery_logging(*, service: str, loglevel: Any = None, quiet: tuple[str, ...] = ()) -> None:
    """For Celery's ``setup_logging`` signal: JSON lines instead of Celery's formatter.

    ``loglevel`` is the worker's or beat's ``--loglevel`` (a name or a number); ``quiet`` loggers
    only say warnings.
    """
    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else str(loglevel or "INFO")
    configure_logging(service=service, level=level)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
