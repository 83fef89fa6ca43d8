"""Each HTTP request measured and logged once, by its route template: the metrics and the access log."""

from __future__ import annotations

import logging
from time import perf_counter
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability.metrics import HTTP_DURATION, HTTP_REQUESTS

access_log = logging.getLogger("negoce.access")
# Probes and scrapes every few seconds would bury the requests that matter in the access log.
UNLOGGED_PATHS = frozenset({"/health", "/ready", "/metrics"})
UNMATCHED = "unmatched"


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/clients/{client_id}``), or "unmatched".

    Never the raw path: a label per client id would grow without bound.
    """
    return getattr(scope.get("route"), "path", None) or UNMATCHED


class RequestObserver:
    """ASGI middleware: counts, times and logs every request by route template, method and status.

    Placed inside the correlation id middleware, so the access line carries the request's id; the
    router writes the matched route into the scope it shares with this middleware.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Observe one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            self._record(scope, status, perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method, route, path = scope["method"], route_template(scope), scope["path"]
        HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
        HTTP_DURATION.labels(self.service, method, route).observe(seconds)
        if path not in UNLOGGED_PATHS:
            access_log.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "path": path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )


def metrics_response() -> Response:
    """This process's metrics in Prometheus' text format."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def install_metrics_route(app: FastAPI, *, before_scrape: Any = None) -> None:
    """Serve GET /metrics (left out of the OpenAPI document; the gateway never exposes it).

    ``before_scrape`` is awaited first, to set the gauges computed at scrape time.
    """

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics of this process."""
        if before_scrape is not None:
            await before_scrape()
        return metrics_response()
