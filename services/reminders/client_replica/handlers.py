"""Message subscribers of the reminders service: the clients it knows follow client events."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from services.reminders.client_replica import service as replica
from shared.app import ServiceContext
from shared.events.clients import ClientCreated, ClientDeleted, ClientErased, ClientMerged, ClientUpdated
from shared.messaging import CLIENTS_EXCHANGE, subscriptions

CONSUMER = "reminders"


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers that keep the client replica and move, delete or blank reminders with their client."""
    router = RabbitRouter()
    sessions = context.sessions
    on = subscriptions(
        router, consumer=CONSUMER, exchange=CLIENTS_EXCHANGE, delivery_limit=context.settings.consumer_delivery_limit
    )

    @on(ClientCreated)
    async def on_client_created(event: ClientCreated) -> None:
        """A new client may be given reminders."""
        await replica.apply_snapshot(sessions=sessions, consumer=CONSUMER, event=event)

    @on(ClientUpdated)
    async def on_client_updated(event: ClientUpdated) -> None:
        """A renamed client is named so in notification e-mails."""
        await replica.apply_snapshot(sessions=sessions, consumer=CONSUMER, event=event)

    @on(ClientDeleted)
    async def on_client_deleted(event: ClientDeleted) -> None:
        """A deleted client's reminders are deleted."""
        await replica.apply_deleted(sessions=sessions, consumer=CONSUMER, event=event)

    @on(ClientMerged)
    async def on_client_merged(event: ClientMerged) -> None:
        """A merged client's reminders move to the kept client."""
        await replica.apply_merged(sessions=sessions, consumer=CONSUMER, event=event)

    @on(ClientErased)
    async def on_client_erased(event: ClientErased) -> None:
        """An erased client's reminders lose their text."""
        await replica.apply_erased(sessions=sessions, consumer=CONSUMER, event=event)

    return router
