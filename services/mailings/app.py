"""App factory of the mailings service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from faststream.rabbit import RabbitRouter

from services.mailings.campaigns.routes import router as campaigns_router
from services.mailings.client_replica import handlers as client_replica_handlers
from services.mailings.emails import handlers as emails_handlers
from services.mailings.emails.routes import router as emails_router
from services.mailings.emails.sender import EmailSender
from services.mailings.label_formats.routes import router as labels_router
from services.mailings.models import Email, RenderJob, access_tables, idempotency_keys, inbox, outbox
from services.mailings.renders.routes import campaign_renders
from services.mailings.renders.routes import router as renders_router
from services.mailings.settings import MailingsSettings
from shared.access.service import AccessReplica
from shared.app import ServiceContext, create_service_app
from shared.events.audit import AuditRecorded
from shared.events.mailings import EmailFailed, EmailSent, MailingRendered
from shared.leased_jobs import PENDING
from shared.observability.scrape import JobQueue

# The consumer name of the service's queues and inbox rows.
CONSUMER = "mailings"


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """The service's message subscribers: the client replica's, then the e-mails other services ask for."""
    router = RabbitRouter()
    client_replica_handlers.subscribe(router, context, consumer=CONSUMER)
    emails_handlers.subscribe(router, context, consumer=CONSUMER)
    return router


def create_app(
    settings: MailingsSettings | None = None, *, clients_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the mailings service; nothing connects until the lifespan starts.

    ``clients_transport`` routes the calls to the clients service elsewhere than ``clients_url``
    (tests pass ``httpx.ASGITransport(app=clients_app)``).
    """
    settings = settings or MailingsSettings()
    app = create_service_app(
        settings=settings,
        title="Négoce mailings",
        description="Paper mailing campaigns, address labels and e-mails to clients.",
        outbox=outbox,
        access=AccessReplica(tables=access_tables, inbox=inbox),
        idempotency_keys=idempotency_keys,
        routers=[campaigns_router, campaign_renders, renders_router, labels_router, emails_router],
        subscribers=build_subscribers,
        publishes=(EmailSent, EmailFailed, MailingRendered, AuditRecorded),
        # What waits for the render worker, and for the sender loop (queued e-mails, retries included).
        job_queues=[
            JobQueue("renders", RenderJob.__table__, RenderJob.__table__.c.state.in_(PENDING)),
            JobQueue("emails", Email.__table__, Email.__table__.c.status == "queued"),
        ],
    )
    if settings.run_email_sender:
        # Runs with the broker and the relay in the lifespan; stopped (claims left to expire) with them.
        context = app.state.context
        context.background.append(EmailSender(sessions=context.sessions, settings=settings).run)
    service_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One pooled client for the process: campaigns resolve their recipients through it.
        async with httpx.AsyncClient(
            base_url=settings.clients_url, transport=clients_transport, timeout=settings.clients_timeout_seconds
        ) as http:
            app.state.clients_http = http
            async with service_lifespan(app):
                yield

    app.router.lifespan_context = lifespan
    return app
