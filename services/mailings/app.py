"""App factory of the mailings service."""

from __future__ import annotations

from fastapi import FastAPI

from services.mailings.handlers import build_subscribers
from services.mailings.models import outbox
from services.mailings.routes_emails import router as emails_router
from services.mailings.sender import EmailSender
from services.mailings.settings import MailingsSettings
from shared.app import create_service_app
from shared.events.mailings import EmailFailed, EmailSent


def create_app(settings: MailingsSettings | None = None) -> FastAPI:
    """Build the mailings service; nothing connects until the lifespan starts."""
    settings = settings or MailingsSettings()
    app = create_service_app(
        settings=settings,
        title="Négoce mailings",
        description="Paper mailing campaigns, address labels and e-mails to clients.",
        outbox=outbox,
        routers=[emails_router],
        subscribers=build_subscribers,
        publishes=(EmailSent, EmailFailed),
    )
    if settings.run_email_sender:
        # Runs with the broker and the relay in the lifespan; stopped (claims left to expire) with them.
        context = app.state.context
        context.background.append(EmailSender(sessions=context.sessions, settings=settings).run)
    return app
