"""OpenTelemetry traces: configured by the standard OTEL_* variables, and carried through the outbox.

Tracing is on when an OTLP endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) or ``OTEL_TRACES_EXPORTER`` names an exporter (``otlp``,
``console``), and off with ``OTEL_SDK_DISABLED=true``. Off, no provider is installed and nothing is
instrumented: the API's no-op tracer is all that runs. ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER`` and the exporter's own variables
(``OTEL_EXPORTER_OTLP_HEADERS``, ``_TIMEOUT``...) are read by the SDK as documented.

HTTP in (FastAPI) and out (httpx), SQL (SQLAlchemy) and RabbitMQ (FastStream's middleware) are
instrumented by their libraries. Celery's ticks are not (two a second, nearly all finding nothing):
a firing opens its own span once reminders are due (services/reminders/firing/service.py). An event's trace context is stored with its outbox row
(``traceparent``, written in the request's transaction); the relay publishes the row inside that
context, so FastStream puts it in the message's headers and the consumer's spans join the
request's trace.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from fastapi import FastAPI
from faststream.rabbit import RabbitBroker
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

log = logging.getLogger(__name__)
PROPAGATOR = TraceContextTextMapPropagator()
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
# Neither requests nor scrapes: probes and Prometheus would fill the traces with nothing.
UNTRACED_URLS = "/health,/ready,/metrics"
_instrumented_libraries = False


class _WorkStartsTraces(Sampler):
    """Samples traces that start with work (a request, a message, a task, a span of ours), drops the others.

    A root CLIENT span is a query or call made by a poller (the relay, the e-mail sender and the job
    workers poll every second): a trace per poll would bury the traces of real work.
    """

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        """Drop root CLIENT spans, keep the rest."""
        if kind == SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        """The sampler's name in the SDK's diagnostics."""
        return "NegoceWorkStartsTraces"


def _exporter() -> SpanExporter | None:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    chosen = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if chosen == "none":
        return None
    if chosen == "console":
        return ConsoleSpanExporter()
    if chosen or any(os.environ.get(name) for name in ENDPOINT_VARIABLES):
        # Imported only when used: the exporter pulls in protobuf and requests.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    return None


def tracing_enabled() -> bool:
    """Whether this process records spans (a provider of the SDK is installed)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def configure_tracing(service: str) -> bool:
    """Install the tracer provider once per process as the environment says; True when tracing is on.

    Idempotent (app factories run more than once), and a provider installed before (by a test with
    an in-memory exporter) is kept.
    """
    if not tracing_enabled():
        exporter = _exporter()
        if exporter is None:
            return False
        attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": f"negoce-{service}"}
        # The sampler stays the SDK's when OTEL_TRACES_SAMPLER chooses one.
        sampler = None if os.environ.get("OTEL_TRACES_SAMPLER") else ParentBased(root=_WorkStartsTraces())
        provider = TracerProvider(resource=Resource.create(attributes), sampler=sampler)
        provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
    instrument_libraries()
    return True


def instrument_libraries() -> None:
    """Instrument SQLAlchemy's engines (those created from now on) and httpx's clients, once."""
    global _instrumented_libraries
    if _instrumented_libraries or not tracing_enabled():
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # The instrumentation declares SQLAlchemy below 2.1 and would refuse our 2.1 silently; the cursor
    # events it listens to are unchanged in 2.1, and tests/test_tracing.py shows its spans.
    SQLAlchemyInstrumentor().instrument(enable_commenter=False, skip_dep_check=True)
    HTTPXClientInstrumentor().instrument()
    _instrumented_libraries = True


def instrument_app(app: FastAPI) -> None:
    """Trace the app's requests (a server span each, continuing the caller's traceparent)."""
    if tracing_enabled():
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_URLS)


def instrument_broker(broker: RabbitBroker) -> None:
    """Trace publishing and consuming: the trace context travels in the messages' headers."""
    if tracing_enabled():
        from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware

        broker.insert_middleware(RabbitTelemetryMiddleware())


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to store with an outbox row; None outside a trace."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


@contextlib.contextmanager
def continued_trace(traceparent: str | None) -> Iterator[None]:
    """Run a block inside the trace a stored traceparent names (as it was when the event was written)."""
    if not traceparent:
        yield
        return
    token = otel_context.attach(PROPAGATOR.extract({"traceparent": traceparent}))
    try:
        yield
    finally:
        otel_context.detach(token)


def trace_ids() -> Mapping[str, str] | None:
    """The current trace and span ids in hex, as logs carry them; None outside a trace."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return {"trace_id": format(span_context.trace_id, "032x"), "span_id": format(span_context.span_id, "016x")}


tracer = trace.get_tracer("negoce")
