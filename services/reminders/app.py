"""App factory of the reminders service."""

from __future__ import annotations

from fastapi import FastAPI

from services.reminders.accounts.routes import router as accounts_router
from services.reminders.client_replica.handlers import build_subscribers
from services.reminders.models import access_tables, idempotency_keys, inbox, outbox
from services.reminders.notifications.routes import router as notifications_router
from services.reminders.reminders.routes import router as reminders_router
from services.reminders.settings import RemindersSettings
from shared.access.service import AccessReplica
from shared.app import create_service_app
from shared.events.reminders import REMINDER_EVENTS


def create_app(settings: RemindersSettings | None = None) -> FastAPI:
    """Build the reminders service; nothing connects until the lifespan starts.

    The API process also runs the outbox relay that publishes reminder.due; the Celery worker
    and beat (services.reminders.firing.worker) only write the outbox.
    """
    return create_service_app(
        settings=settings or RemindersSettings(),
        title="Négoce reminders",
        description="Dated reminders about clients, fired on time exactly once.",
        outbox=outbox,
        access=AccessReplica(tables=access_tables, inbox=inbox),
        idempotency_keys=idempotency_keys,
        # Settings, users and notifications first: /api/reminders/users must not be taken for a reminder id.
        routers=[accounts_router, notifications_router, reminders_router],
        subscribers=build_subscribers,
        publishes=REMINDER_EVENTS,
    )
