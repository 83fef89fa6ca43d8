"""The service app factory: FastAPI + FastStream broker + outbox relay in one lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, Depends, FastAPI
from faststream.rabbit import RabbitBroker, RabbitRouter
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.responses import JSONResponse

from shared.access.service import AccessReplica
from shared.access.wiring import install_access
from shared.db import create_sessionmaker, settings_engine
from shared.documentation import install_documentation
from shared.errors import install_problem_handlers
from shared.events.envelope import Event
from shared.fault_injection import CrashAfterCommit
from shared.http import BodySizeLimitMiddleware, UnhandledErrorMiddleware, storable_parameters
from shared.idempotency.retention import sweep_forever
from shared.logging import configure_logging
from shared.messaging import EXCHANGE_OF_SERVICE, create_broker, declare_dead_letter_queues
from shared.observability.http import RequestObserver, install_metrics_route
from shared.observability.scrape import JobQueue, ScrapeTimeGauges
from shared.observability.tracing import configure_tracing, instrument_app, instrument_broker
from shared.outbox import OutboxRelay
from shared.retention.sweep import purge_forever
from shared.settings import ServiceSettings
from shared.waiting import cancel_and_wait

log = logging.getLogger(__name__)


@dataclass
class ServiceContext:
    """What a running service holds: settings, database, broker and relay."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    broker: RabbitBroker
    relay: OutboxRelay
    consumer_queues: list[str] = field(default_factory=list)
    # Long-running coroutines run with the broker: what the subscribers need (e.g. a BatchApplier)
    # and the expired Idempotency-Key sweep.
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    # First answers by account and Idempotency-Key (shared/idempotency), in the service's database.
    idempotency_keys: Table | None = None


# Accept the gateway's ids (32 hex characters) and callers' own, but nothing that could forge a log line.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def is_request_id(value: str) -> bool:
    """Whether an incoming X-Request-ID may be reused as the correlation id."""
    return REQUEST_ID.fullmatch(value) is not None


# Builds the service's message subscribers from its running context.
RouterFactory = Callable[[ServiceContext], RabbitRouter]


def build_context(settings: ServiceSettings, *, outbox: Table) -> ServiceContext:
    """Create (not connect) the engine, sessions, broker and relay of a service."""
    engine = settings_engine(settings)
    sessions = create_sessionmaker(engine)
    broker = create_broker(settings.amqp_url, prefetch=settings.consumer_prefetch)
    instrument_broker(broker)
    relay = OutboxRelay(
        service=settings.service_name,
        outbox=outbox,
        sessions=sessions,
        broker=broker,
        exchange=EXCHANGE_OF_SERVICE[settings.service_name],
        listen_dsn=settings.listen_dsn,
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
    )
    return ServiceContext(settings=settings, engine=engine, sessions=sessions, broker=broker, relay=relay)


def document_publications(context: ServiceContext, events: Sequence[type[Event]]) -> None:
    """Declare what the relay publishes, so the AsyncAPI document lists every event."""
    exchange = EXCHANGE_OF_SERVICE[context.settings.service_name]
    for event in events:
        context.broker.publisher(
            exchange=exchange,
            routing_key=event.TYPE,
            schema=event,
            title=event.TYPE,
            description=(event.__doc__ or "").strip(),
            persist=True,
        )


def include_subscribers(context: ServiceContext, router_factory: RouterFactory | None) -> None:
    """Attach the service's subscribers to its broker and remember their queues."""
    if router_factory is None or not context.settings.run_consumers:
        return
    router = router_factory(context)
    context.broker.include_router(router)
    # FastStream types the broker's subscribers by their base class, which has no ``queue``; Rabbit's all have one.
    context.consumer_queues = [sub.queue.name for sub in context.broker.subscribers]  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def running(context: ServiceContext) -> AsyncIterator[ServiceContext]:
    """Start the broker, its consumers and the relay; stop them all on exit."""
    await context.broker.connect()
    await declare_dead_letter_queues(context.broker, context.consumer_queues)
    await context.broker.start()
    name = context.settings.service_name
    tasks = [asyncio.create_task(work(), name=f"{name}-background") for work in context.background]
    if context.settings.run_outbox_relay:
        tasks.append(asyncio.create_task(context.relay.run(), name=f"{name}-outbox-relay"))
    try:
        yield context
    finally:
        await cancel_and_wait(tasks)
        await context.broker.stop()
        await context.engine.dispose()


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    outbox: Table,
    idempotency_keys: Table,
    routers: Sequence[APIRouter] = (),
    subscribers: RouterFactory | None = None,
    publishes: Sequence[type[Event]] = (),
    access: AccessReplica | None = None,
    job_queues: Sequence[JobQueue] = (),
) -> FastAPI:
    """Assemble a service: problem+json errors, token checking, health, readiness and metrics.

    ``access`` is the service's copy of identity's accounts, users and revocations; a service
    without one (identity itself) checks tokens its own way. ``job_queues`` are the service's job
    tables whose backlog /metrics shows.
    """
    configure_logging(service=settings.service_name, level=settings.log_level)
    configure_tracing(settings.service_name)
    context = build_context(settings, outbox=outbox)
    context.idempotency_keys = idempotency_keys
    context.background.append(partial(sweep_forever, sessions=context.sessions, table=idempotency_keys))
    context.background.append(
        partial(purge_forever, sessions=context.sessions, tables=outbox.metadata.tables, settings=settings)
    )
    include_subscribers(context, subscribers)
    document_publications(context, publishes)
    gauges = ScrapeTimeGauges(
        service=settings.service_name,
        sessions=context.sessions,
        outbox=outbox,
        amqp_url=settings.amqp_url,
        consumer_queues=lambda: context.consumer_queues,
        job_queues=job_queues,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(context), contextlib.aclosing(gauges):
            # Everything loaded so far lives as long as the process: keep it out of the collector's
            # full passes, which otherwise pause a request for about 160 ms (search bench).
            gc.collect()
            gc.freeze()
            log.info("service started")
            yield

    # The documents live under the service's own prefix, so the gateway serves them as it routes the API.
    prefix = f"/api/{settings.service_name}"
    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(storable_parameters)],
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.context = context
    install_problem_handlers(app)
    install_documentation(app, broker=context.broker)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware)  # inside the correlation id: the 500 carries X-Request-ID
    # Outside the 500 handler (it counts and logs the 500), inside the correlation id (its access line has it).
    app.add_middleware(RequestObserver, service=settings.service_name)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID", validator=is_request_id)
    if settings.crash_after_commit_on:
        app.add_middleware(CrashAfterCommit, pattern=settings.crash_after_commit_on)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": settings.service_name}

    @app.get("/ready", tags=["operations"])
    async def ready() -> JSONResponse:
        """Readiness: the database answers and the broker connection is up."""
        checks = {"database": await _database_ok(context.engine), "broker": await _broker_ok(context.broker)}
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"status": "ready" if status == 200 else "not ready", "checks": checks}, status_code=status)

    install_metrics_route(app, before_scrape=gauges.refresh)
    for router in routers:
        app.include_router(router)
    if access is not None:
        install_access(app, context=context, replica=access)
    instrument_app(app)
    return app


async def _database_ok(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as connection:
            async with asyncio.timeout(2):
                await connection.execute(text("SELECT 1"))
        return True
    except Exception:
        log.warning("database not ready", exc_info=True)
        return False


async def _broker_ok(broker: RabbitBroker) -> bool:
    try:
        return await broker.ping(timeout=2)
    except Exception:
        log.warning("broker not ready", exc_info=True)
        return False
