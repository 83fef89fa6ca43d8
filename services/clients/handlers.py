"""Message subscribers of the clients service: thin, each hands its event to the batch applier."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter

from services.clients import read_model
from services.clients.models import inbox
from shared.app import ServiceContext
from shared.batching import BatchApplier, ManualAckScope, current_message
from shared.events.envelope import Event
from shared.events.orders import (
    InvoiceCancelled, InvoiceIssued, OrderCancelled, OrderConfirmed, OrderCreated, PaymentReceived,
    ShipmentShipped,
)
from shared.messaging import ORDERS_EXCHANGE, consumer_queue

CONSUMER = "clients"
# What each event does to the client read models. Each event type gets a durable quorum
# queue; a nacked message returns until its delivery limit.
CONSUMED: dict[type[Event], str] = {
    OrderCreated: "A new order enters the client's history and timeline.",
    OrderConfirmed: "A confirmed order updates the history and the timeline.",
    OrderCancelled: "A cancelled order leaves the statistics and shows on the timeline.",
    InvoiceIssued: "An invoice makes its client a client and updates the list columns.",
    InvoiceCancelled: "A credit note takes the invoice out of the client's statistics.",
    ShipmentShipped: "Delivered goods count for the client who received them (top products).",
    PaymentReceived: "A payment shows on the billed client's timeline.",
}


def _forward(applier: BatchApplier, event_class: type[Event], effect: str) -> Callable[..., Awaitable[None]]:
    """A subscriber for one event type that hands each event to the batch applier."""

    async def handler(event: Event) -> None:
        await applier.submit(event, current_message())

    # FastStream parses the body by the annotation and names the AsyncAPI channel after the function.
    handler.__annotations__ = {"event": event_class, "return": None}
    handler.__name__ = handler.__qualname__ = f"on_{event_class.TYPE.replace('.', '_')}"
    handler.__doc__ = effect
    return handler


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers to the orders service's events that feed the client read models."""
    router = RabbitRouter(middlewares=[ManualAckScope])
    limit = context.settings.consumer_delivery_limit
    applier = BatchApplier(sessions=context.sessions, inbox=inbox, consumer=CONSUMER, apply=read_model.apply_events)
    context.background.append(applier.run)

    for event_class, effect in CONSUMED.items():
        router.subscriber(
            consumer_queue(consumer=CONSUMER, event=event_class, delivery_limit=limit), ORDERS_EXCHANGE,
            ack_policy=AckPolicy.MANUAL,  # the applier acknowledges after its commit
        )(_forward(applier, event_class, effect))
    return router
