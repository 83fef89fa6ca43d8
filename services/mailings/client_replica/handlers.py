"""Message subscribers of the client replica: the clients service's events keep it, and carry a client's end here."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from services.mailings.client_replica import hooks
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
from shared.messaging import CLIENTS_EXCHANGE, subscriptions


def subscribe(router: RabbitRouter, context: ServiceContext, *, consumer: str) -> None:
    """Subscribers that keep each client's addresses and flags and follow client life."""
    sessions = context.sessions
    limit = context.settings.consumer_delivery_limit
    subscriber = subscriptions(router, consumer=consumer, exchange=CLIENTS_EXCHANGE, delivery_limit=limit)

    @subscriber(ClientCreated)
    async def on_client_created(event: ClientCreated) -> None:
        """A new client's addresses and document flags, so it can be e-mailed."""
        await hooks.apply_snapshot(sessions=sessions, consumer=consumer, event=event)

    @subscriber(ClientUpdated)
    async def on_client_updated(event: ClientUpdated) -> None:
        """Edited addresses and contacts' flags choose the next e-mails' recipients."""
        await hooks.apply_snapshot(sessions=sessions, consumer=consumer, event=event)

    @subscriber(ClientArchived)
    async def on_client_archived(event: ClientArchived) -> None:
        """An archived client is flagged."""
        await hooks.apply_archived(sessions=sessions, consumer=consumer, event=event)

    @subscriber(ClientRestored)
    async def on_client_restored(event: ClientRestored) -> None:
        """A restored client is no longer flagged archived."""
        await hooks.apply_archived(sessions=sessions, consumer=consumer, event=event)

    @subscriber(ClientDeleted)
    async def on_client_deleted(event: ClientDeleted) -> None:
        """A deleted client is forgotten with its e-mails (queued ones are not sent) and unprinted campaigns."""
        await hooks.forget_client(sessions=sessions, consumer=consumer, event=event)

    @subscriber(ClientMerged)
    async def on_client_merged(event: ClientMerged) -> None:
        """The merged client's e-mails and unprinted campaigns' recipient rows move to the kept client."""
        await hooks.merge_clients(sessions=sessions, consumer=consumer, event=event)

    @subscriber(ClientErased)
    async def on_client_erased(event: ClientErased) -> None:
        """An erased client's e-mails lose their texts; its campaign rows go or keep only the pseudonym."""
        await hooks.erase_client(sessions=sessions, consumer=consumer, event=event)
