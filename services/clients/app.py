"""App factory of the clients service."""

from __future__ import annotations

from fastapi import FastAPI

from services.clients.handlers import build_subscribers
from services.clients.models import idempotency_keys, outbox
from services.clients.routes import router as clients_router
from services.clients.routes_exports import router as exports_router
from services.clients.routes_merge import router as merge_router
from services.clients.routes_notes import router as notes_router
from services.clients.routes_reference import router as reference_router
from services.clients.routes_segments import router as segments_router
from services.clients.routes_sheet import router as sheet_router
from services.clients.settings import ClientsSettings
from shared.app import create_service_app
from shared.events.clients import CLIENT_EVENTS


def create_app(settings: ClientsSettings | None = None) -> FastAPI:
    """Build the clients service; nothing connects until the lifespan starts."""
    return create_service_app(
        settings=settings or ClientsSettings(),
        title="Négoce clients",
        description="The client base: clients and prospects, contacts, categories, tags, list; each client's "
        "orders, top products, statistics and timeline.",
        outbox=outbox,
        idempotency_keys=idempotency_keys,
        # Fixed paths first: /api/clients/tags or /segments must not be taken for a client id.
        routers=[
            reference_router,
            segments_router,
            exports_router,
            merge_router,
            clients_router,
            sheet_router,
            notes_router,
        ],
        subscribers=build_subscribers,
        publishes=CLIENT_EVENTS,
    )
