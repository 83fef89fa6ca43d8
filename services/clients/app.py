"""App factory of the clients service."""

from __future__ import annotations

from fastapi import FastAPI

from services.clients.accounts.routes import router as accounts_router
from services.clients.accounts.service import open_account
from services.clients.contacts.routes import router as contacts_router
from services.clients.erasure.routes import router as erasure_router
from services.clients.exports.routes import router as exports_router
from services.clients.labels.routes import router as labels_router
from services.clients.lifecycle.routes import router as lifecycle_router
from services.clients.listing.routes import router as listing_router
from services.clients.merging.routes import router as merging_router
from services.clients.models import ExportJob, access_tables, idempotency_keys, inbox, outbox
from services.clients.notes.routes import router as notes_router
from services.clients.read_model.handlers import build_subscribers
from services.clients.record.routes import router as record_router
from services.clients.segments.routes import router as segments_router
from services.clients.selections.routes import router as selections_router
from services.clients.settings import ClientsSettings
from services.clients.sheet.routes import router as sheet_router
from services.clients.timeline.routes import router as timeline_router
from shared.access.service import AccessReplica
from shared.app import create_service_app
from shared.events.audit import AuditRecorded
from shared.events.clients import CLIENT_EVENTS
from shared.leased_jobs import PENDING
from shared.observability.scrape import JobQueue


def create_app(settings: ClientsSettings | None = None) -> FastAPI:
    """Build the clients service; nothing connects until the lifespan starts."""
    return create_service_app(
        settings=settings or ClientsSettings(),
        title="Négoce clients",
        description="The client base: clients and prospects, contacts, categories, tags, list; each client's "
        "orders, top products, statistics and timeline.",
        outbox=outbox,
        access=AccessReplica(tables=access_tables, inbox=inbox, on_account_created=open_account),
        idempotency_keys=idempotency_keys,
        # Fixed paths first: /api/clients/tags or /segments must not be taken for a client id.
        routers=[
            accounts_router,
            labels_router,
            contacts_router,
            segments_router,
            exports_router,
            merging_router,
            selections_router,
            listing_router,
            record_router,
            lifecycle_router,
            erasure_router,
            sheet_router,
            timeline_router,
            notes_router,
        ],
        subscribers=build_subscribers,
        publishes=(*CLIENT_EVENTS, AuditRecorded),
        job_queues=[JobQueue("exports", ExportJob.__table__, ExportJob.__table__.c.state.in_(PENDING))],
    )
