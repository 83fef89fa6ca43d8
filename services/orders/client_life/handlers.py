"""Message subscribers of the orders service: the client replica and the documents follow client events."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from services.orders.client_life.service import REPLICA
from shared.app import ServiceContext
from shared.events.clients import (
    ClientArchived,
    ClientBlocked,
    ClientCreated,
    ClientDeleted,
    ClientErased,
    ClientMerged,
    ClientRestored,
    ClientUnblocked,
    ClientUpdated,
)
from shared.messaging import CLIENTS_EXCHANGE, subscriptions

CONSUMER = "orders"


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers that keep each client's ordering data (blocked, banner note, grid, addresses)."""
    router = RabbitRouter()
    sessions = context.sessions
    on = subscriptions(
        router, consumer=CONSUMER, exchange=CLIENTS_EXCHANGE, delivery_limit=context.settings.consumer_delivery_limit
    )

    @on(ClientCreated)
    async def on_client_created(event: ClientCreated) -> None:
        """A new client may be given orders."""
        await REPLICA.apply_snapshot(sessions=sessions, consumer=CONSUMER, event=event)

    @on(ClientUpdated)
    async def on_client_updated(event: ClientUpdated) -> None:
        """Edited names, note, price grid or addresses reach new orders."""
        await REPLICA.apply_snapshot(sessions=sessions, consumer=CONSUMER, event=event)

    @on(ClientBlocked)
    async def on_client_blocked(event: ClientBlocked) -> None:
        """A blocked client gets no new order and leaves the picker."""
        await REPLICA.apply_flag(sessions=sessions, consumer=CONSUMER, event=event, flag="blocked", value=True)

    @on(ClientUnblocked)
    async def on_client_unblocked(event: ClientUnblocked) -> None:
        """An unblocked client may order again."""
        await REPLICA.apply_flag(sessions=sessions, consumer=CONSUMER, event=event, flag="blocked", value=False)

    @on(ClientDeleted)
    async def on_client_deleted(event: ClientDeleted) -> None:
        """A deleted client is forgotten by the picker and refused for orders."""
        await REPLICA.apply_deleted(sessions=sessions, consumer=CONSUMER, event=event)

    @on(ClientArchived)
    async def on_client_archived(event: ClientArchived) -> None:
        """An archived client leaves the picker and gets no new order."""
        await REPLICA.apply_flag(sessions=sessions, consumer=CONSUMER, event=event, flag="archived", value=True)

    @on(ClientRestored)
    async def on_client_restored(event: ClientRestored) -> None:
        """A restored client is back in the picker and may order."""
        await REPLICA.apply_flag(sessions=sessions, consumer=CONSUMER, event=event, flag="archived", value=False)

    @on(ClientMerged)
    async def on_client_merged(event: ClientMerged) -> None:
        """Everything of the merged client moves to the kept one."""
        await REPLICA.apply_merged(sessions=sessions, consumer=CONSUMER, event=event)

    @on(ClientErased)
    async def on_client_erased(event: ClientErased) -> None:
        """The client's personal data leaves this database; its documents stay under the pseudonym."""
        await REPLICA.apply_erased(sessions=sessions, consumer=CONSUMER, event=event)

    return router
