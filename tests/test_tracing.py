"""One trace from an API call, through the outbox and RabbitMQ, to its effect in another service.

The SDK's in-memory exporter collects every span of the process; the clients and orders services
run here on databases and a vhost of their own, so no other consumer takes their messages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import SpanKind

from services.clients.app import create_app as create_clients_app
from services.clients.settings import ClientsSettings
from services.orders.app import create_app as create_orders_app
from services.orders.settings import OrdersSettings
from shared.observability import tracing
from tests.conftest import RUN_ID, _rabbitmqctl, isolated_database, new_account, running
from tests.support import eventually, in_process

VHOST = f"negoce_test_{RUN_ID}_tracing"


class _WhileThisModuleRuns(Sampler):
    """Samples every trace while the module's tests run, none afterwards.

    A process keeps the first tracer provider it is given: once this module is done, the rest of the
    suite must not pay for recording spans nobody reads.
    """

    on = True

    def should_sample(self, parent_context: Any, trace_id: int, name: str, *args: Any, **kwargs: Any) -> SamplingResult:
        """Record and sample while on."""
        return SamplingResult(Decision.RECORD_AND_SAMPLE if self.on else Decision.DROP)

    def get_description(self) -> str:
        """Its name."""
        return "WhileThisModuleRuns"


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span this process ends while the module runs."""
    exporter = InMemorySpanExporter()
    switch = _WhileThisModuleRuns()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(sampler=ParentBased(root=switch))
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.instrument_libraries()
    yield exporter
    switch.on = False
    exporter.shutdown()
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    for instrumentor in (SQLAlchemyInstrumentor(), HTTPXClientInstrumentor()):
        instrumentor.uninstrument()


@pytest.fixture(scope="module")
def isolated() -> Iterator[dict[str, str]]:
    """Databases and a vhost of the module's own."""
    urls = {service: isolated_database(service, "tracing") for service in ("clients", "orders")}
    _rabbitmqctl("add_vhost", VHOST)
    _rabbitmqctl("set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*")
    urls["amqp"] = f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"
    yield urls
    _rabbitmqctl("delete_vhost", VHOST)


def _ancestry(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    """The span, its parent, its parent's parent... up to the root."""
    chain = [span]
    while chain[-1].parent is not None:
        parent = by_id.get(chain[-1].parent.span_id)
        assert parent is not None, f"the parent of {chain[-1].name!r} was not recorded"
        chain.append(parent)
    return chain


def _one(spans: Sequence[ReadableSpan], description: str, **where: Any) -> ReadableSpan:
    found = [s for s in spans if all((s.attributes or {}).get(k) == v for k, v in where.items())]
    assert len(found) == 1, f"{description}: {[(s.name, s.attributes) for s in found]}"
    return found[0]


@pytest.mark.timeout(90)
async def test_a_client_created_through_the_api_is_applied_by_orders_in_the_same_trace(spans, isolated):
    orders_app = create_orders_app(OrdersSettings(database_url=isolated["orders"], amqp_url=isolated["amqp"]))
    clients_app = create_clients_app(ClientsSettings(database_url=isolated["clients"], amqp_url=isolated["amqp"]))
    # Orders first: its queues must be bound before the clients relay publishes.
    async with running(orders_app), running(clients_app):
        account = await new_account(clients_app, "Traced")
        async with (
            in_process(clients_app, account.headers) as clients,
            in_process(orders_app, account.headers) as orders,
        ):
            spans.clear()
            created = await clients.post("/api/clients", json={"last_name": "Tracé"})
            assert created.status_code == 201, created.text
            client_id = created.json()["id"]

            async def known() -> bool:
                answer = await orders.get("/api/orders/negotiated-prices", params={"client_id": client_id})
                return answer.status_code == 200

            await eventually(known)

            def applied() -> ReadableSpan | None:
                found = [
                    s
                    for s in spans.get_finished_spans()
                    if s.name == "apply client.created" and (s.attributes or {}).get("negoce.consumer") == "orders"
                ]
                return found[0] if found else None

            apply = await eventually(applied)

    finished = spans.get_finished_spans()
    by_id = {s.context.span_id: s for s in finished}
    request = _one(
        [s for s in finished if s.kind == SpanKind.SERVER], "the clients request", **{"http.route": "/api/clients"}
    )
    assert apply.attributes is not None and apply.attributes["negoce.outcome"] == "applied"
    chain = _ancestry(apply, by_id)
    # apply (orders) <- process (orders' consumer) <- create (the relay, in the request's trace) <- POST (clients)
    assert chain[-1] is request, [s.name for s in chain]
    assert {s.context.trace_id for s in chain} == {request.context.trace_id}
    kinds = [s.kind for s in chain]
    assert kinds[:2] == [SpanKind.INTERNAL, SpanKind.CONSUMER], [s.name for s in chain]
    assert SpanKind.PRODUCER in kinds, [s.name for s in chain]
    consumer = chain[1]
    assert consumer.attributes is not None and consumer.attributes["messaging.rabbitmq.destination.routing_key"] == (
        "client.created"
    )
    # The relay's publish is in the trace too, and SQL on both sides: the outbox row, then the inbox row.
    trace_spans = [s for s in finished if s.context.trace_id == request.context.trace_id]
    assert any(s.kind == SpanKind.PRODUCER and s.name.endswith("publish") for s in trace_spans)
    statements = [str((s.attributes or {}).get("db.statement", "")) for s in trace_spans]
    assert any(st.startswith("INSERT INTO outbox") for st in statements), statements
    assert any(st.startswith("INSERT INTO inbox") for st in statements), statements
    inbox_insert = next(
        s for s in trace_spans if str((s.attributes or {}).get("db.statement", "")).startswith("INSERT INTO inbox")
    )
    assert _ancestry(inbox_insert, by_id)[1] is apply


def test_without_an_endpoint_no_exporter_is_configured(monkeypatch):
    for name in (*tracing.ENDPOINT_VARIABLES, "OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    assert tracing._exporter() is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert type(tracing._exporter()).__name__ == "OTLPSpanExporter"
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert tracing._exporter() is None
