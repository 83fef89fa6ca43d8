"""Message subscribers of the clients service: thin, each hands its event to the batch applier."""

from __future__ import annotations

from typing import Any

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter
from faststream.rabbit.annotations import RabbitMessage

from services.clients import read_model
from services.clients.models import inbox
from shared.app import ServiceContext
from shared.batching import BatchApplier, NackOnFailure
from shared.events.envelope import Event
from shared.events.orders import (
    InvoiceCancelled, InvoiceIssued, OrderCancelled, OrderConfirmed, OrderCreated, PaymentReceived,
    ShipmentShipped,
)
from shared.messaging import ORDERS_EXCHANGE, consumer_queue

CONSUMER = "clients"


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers to the orders service's events that feed the client read models."""
    router = RabbitRouter(middlewares=[NackOnFailure])
    limit = context.settings.consumer_delivery_limit
    # Events are acknowledged by the applier once the batch holding them has committed.
    applier = BatchApplier(sessions=context.sessions, inbox=inbox, consumer=CONSUMER, apply=read_model.apply_events)
    context.background.append(applier.run)

    def subscriber(event: type[Event]) -> Any:
        # One durable quorum queue per event type; a nacked message returns until its delivery limit.
        return router.subscriber(consumer_queue(consumer=CONSUMER, event=event, delivery_limit=limit),
                                 ORDERS_EXCHANGE, ack_policy=AckPolicy.MANUAL)

    @subscriber(OrderCreated)
    async def on_order_created(event: OrderCreated, message: RabbitMessage) -> None:
        """A new order enters the client's history and timeline."""
        await applier.submit(event, message)

    @subscriber(OrderConfirmed)
    async def on_order_confirmed(event: OrderConfirmed, message: RabbitMessage) -> None:
        """A confirmed order updates the history and the timeline."""
        await applier.submit(event, message)

    @subscriber(OrderCancelled)
    async def on_order_cancelled(event: OrderCancelled, message: RabbitMessage) -> None:
        """A cancelled order leaves the statistics and shows on the timeline."""
        await applier.submit(event, message)

    @subscriber(InvoiceIssued)
    async def on_invoice_issued(event: InvoiceIssued, message: RabbitMessage) -> None:
        """An invoice makes its client a client and updates the list columns."""
        await applier.submit(event, message)

    @subscriber(InvoiceCancelled)
    async def on_invoice_cancelled(event: InvoiceCancelled, message: RabbitMessage) -> None:
        """A credit note takes the invoice out of the client's statistics."""
        await applier.submit(event, message)

    @subscriber(ShipmentShipped)
    async def on_shipment_shipped(event: ShipmentShipped, message: RabbitMessage) -> None:
        """Delivered goods count for the client who received them (top products)."""
        await applier.submit(event, message)

    @subscriber(PaymentReceived)
    async def on_payment_received(event: PaymentReceived, message: RabbitMessage) -> None:
        """A payment shows on the billed client's timeline."""
        await applier.submit(event, message)

    return router
