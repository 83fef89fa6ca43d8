"""App factory of the reminders service."""

from __future__ import annotations

from fastapi import FastAPI

from services.reminders.handlers import build_subscribers
from services.reminders.models import idempotency_keys, outbox
from services.reminders.routes_account import router as account_router
from services.reminders.routes_reminders import router as reminders_router
from services.reminders.settings import RemindersSettings
from shared.app import create_service_app
from shared.events.reminders import REMINDER_EVENTS


def create_app(settings: RemindersSettings | None = None) -> FastAPI:
    """Build the reminders service; nothing connects until the lifespan starts.

    The API process also runs the outbox relay that publishes reminder.due; the Celery worker
    and beat (services.reminders.worker) only write the outbox.
    """
    return create_service_app(
        settings=settings or RemindersSettings(),
        title="Négoce reminders",
        description="Dated reminders about clients, fired on time exactly once.",
        outbox=outbox,
        idempotency_keys=idempotency_keys,
        # Settings, users and notifications first: /api/reminders/users must not be taken for a reminder id.
        routers=[account_router, reminders_router],
        subscribers=build_subscribers,
        publishes=REMINDER_EVENTS,
    )
