"""Message subscribers of the clients service: thin, each calls one use case."""

from __future__ import annotations

from typing import Any

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter

from services.clients import read_model
from shared.app import ServiceContext
from shared.events.envelope import Event
from shared.events.orders import (
    InvoiceCancelled, InvoiceIssued, OrderCancelled, OrderConfirmed, OrderCreated, PaymentReceived,
    ShipmentShipped,
)
from shared.messaging import ORDERS_EXCHANGE, consumer_queue

CONSUMER = "clients"


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers to the orders service's events that feed the client read models."""
    router = RabbitRouter()
    limit = context.settings.consumer_delivery_limit
    sessions = context.sessions

    def subscriber(event: type[Event]) -> Any:
        # One durable quorum queue per event type, nacked on error until its delivery limit.
        return router.subscriber(consumer_queue(consumer=CONSUMER, event=event, delivery_limit=limit),
                                 ORDERS_EXCHANGE, ack_policy=AckPolicy.NACK_ON_ERROR)

    @subscriber(OrderCreated)
    async def on_order_created(event: OrderCreated) -> None:
        """A new order enters the client's history and timeline."""
        await read_model.apply_order_event(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(OrderConfirmed)
    async def on_order_confirmed(event: OrderConfirmed) -> None:
        """A confirmed order updates the history and the timeline."""
        await read_model.apply_order_event(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(OrderCancelled)
    async def on_order_cancelled(event: OrderCancelled) -> None:
        """A cancelled order leaves the order statistics and shows on the timeline."""
        await read_model.apply_order_event(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(InvoiceIssued)
    async def on_invoice_issued(event: InvoiceIssued) -> None:
        """An invoice makes its client a client and updates the list columns and revenue."""
        await read_model.apply_invoice_issued(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(InvoiceCancelled)
    async def on_invoice_cancelled(event: InvoiceCancelled) -> None:
        """A credit note takes the invoice out of the client's statistics."""
        await read_model.apply_invoice_cancelled(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(ShipmentShipped)
    async def on_shipment_shipped(event: ShipmentShipped) -> None:
        """Delivered goods count for the ship-to client's top products and volumes."""
        await read_model.apply_shipment_shipped(sessions=sessions, consumer=CONSUMER, event=event)

    @subscriber(PaymentReceived)
    async def on_payment_received(event: PaymentReceived) -> None:
        """A payment shows on the billed client's timeline."""
        await read_model.apply_payment_received(sessions=sessions, consumer=CONSUMER, event=event)

    return router
