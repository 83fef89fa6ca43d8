"""App factory of the mailings service."""

from __future__ import annotations

from fastapi import FastAPI

from services.mailings.models import outbox
from services.mailings.settings import MailingsSettings
from shared.app import create_service_app


def create_app(settings: MailingsSettings | None = None) -> FastAPI:
    """Build the mailings service; nothing connects until the lifespan starts."""
    return create_service_app(
        settings=settings or MailingsSettings(),
        title="Négoce mailings",
        description="Paper mailing campaigns, address labels and e-mails to clients.",
        outbox=outbox,
    )
