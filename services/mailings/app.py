"""App factory of the mailings service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from services.mailings.handlers import build_subscribers
from services.mailings.models import idempotency_keys, outbox
from services.mailings.routes_campaigns import router as campaigns_router
from services.mailings.routes_emails import router as emails_router
from services.mailings.routes_labels import router as labels_router
from services.mailings.routes_renders import router as renders_router
from services.mailings.sender import EmailSender
from services.mailings.settings import MailingsSettings
from shared.app import create_service_app
from shared.events.mailings import EmailFailed, EmailSent, MailingRendered


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
        idempotency_keys=idempotency_keys,
        routers=[campaigns_router, renders_router, labels_router, emails_router],
        subscribers=build_subscribers,
        publishes=(EmailSent, EmailFailed, MailingRendered),
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
