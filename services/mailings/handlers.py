"""Message subscribers of the mailings service: the client replica, and e-mails other services ask for."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from services.mailings import emails_service, replica
from shared.app import ServiceContext
from shared.events.clients import (
    ClientArchived,
    ClientCreated,
    ClientDeleted,
    ClientErased,
    ClientMerged,
    ClientRestored,
    ClientUpdated,
)
from shared.events.reminders import ReminderEmailRequested
from shared.messaging import CLIENTS_EXCHANGE, REMINDERS_EXCHANGE, subscriptions

CONSUMER = "mailings"


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers that keep each client's addresses and flags, follow client life, and queue reminder e-mails."""
    router = RabbitRouter()
    sessions = context.sessions
    limit = context.settings.consumer_delivery_limit
    subscriber = subscriptions(router, consumer=CONSUMER, exchange=CLIENTS_EXCHANGE, delivery_limit=limit)
    # Its own queue (mailings.reminder.email_requested) bound to the reminders exchange.
    from_reminders = subscriptions(router, consumer=CONSUMER, exchange=REMINDERS_EXCHANGE, delivery_limit=limit)

    @subscriber(ClientCreated)
    async def on_client_created(event: ClientCreated) -> None:
        """A new client's addresses and document flags, so it can be e-mailed."""
        await replica.apply_snapshot(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(ClientUpdated)
    async def on_client_updated(event: ClientUpdated) -> None:
        """Edited addresses and contacts' flags choose the next e-mails' recipients."""
        await replica.apply_snapshot(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(ClientArchived)
    async def on_client_archived(event: ClientArchived) -> None:
        """An archived client is flagged."""
        await replica.apply_archived(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(ClientRestored)
    async def on_client_restored(event: ClientRestored) -> None:
        """A restored client is no longer flagged archived."""
        await replica.apply_archived(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(ClientDeleted)
    async def on_client_deleted(event: ClientDeleted) -> None:
        """A deleted client is forgotten with its e-mails (queued ones are not sent) and unprinted campaigns."""
        await replica.forget_client(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(ClientMerged)
    async def on_client_merged(event: ClientMerged) -> None:
        """The merged client's e-mails and unprinted campaigns' recipient rows move to the kept client."""
        await replica.merge_clients(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(ClientErased)
    async def on_client_erased(event: ClientErased) -> None:
        """An erased client's e-mails lose their texts; its campaign rows go or keep only the pseudonym."""
        await replica.erase_client(sessions=sessions, consumer=CONSUMER, event=event)

    @from_reminders(ReminderEmailRequested)
    async def on_reminder_email_requested(event: ReminderEmailRequested) -> None:
        """A fired reminder's notification e-mail to its assigned user, delivered by the sender loop."""
        await emails_service.apply_reminder_email(sessions=sessions, consumer=CONSUMER, event=event)

    return router
