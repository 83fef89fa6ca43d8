"""App factory of the reminders service."""

from __future__ import annotations

from fastapi import FastAPI

from services.reminders.models import outbox
from services.reminders.settings import RemindersSettings
from shared.app import create_service_app


def create_app(settings: RemindersSettings | None = None) -> FastAPI:
    """Build the reminders service; nothing connects until the lifespan starts."""
    return create_service_app(
        settings=settings or RemindersSettings(),
        title="Négoce reminders",
        description="Dated reminders about clients, fired on time exactly once.",
        outbox=outbox,
    )
