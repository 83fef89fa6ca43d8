"""Message subscribers of the clients service: thin, each calls one use case."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter

from services.clients import read_model
from shared.app import ServiceContext
from shared.events.orders import InvoiceCancelled, InvoiceIssued
from shared.messaging import ORDERS_EXCHANGE, consumer_queue

CONSUMER = "clients"


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers to the orders service's events that feed the client read models."""
    router = RabbitRouter()
    limit = context.settings.consumer_delivery_limit

    @router.subscriber(consumer_queue(consumer=CONSUMER, event=InvoiceIssued, delivery_limit=limit),
                       ORDERS_EXCHANGE, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def on_invoice_issued(event: InvoiceIssued) -> None:
        """An invoice makes its client a client and updates the list columns."""
        await read_model.apply_invoice_issued(sessions=context.sessions, consumer=CONSUMER, event=event)

    @router.subscriber(consumer_queue(consumer=CONSUMER, event=InvoiceCancelled, delivery_limit=limit),
                       ORDERS_EXCHANGE, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def on_invoice_cancelled(event: InvoiceCancelled) -> None:
        """A credit note takes the invoice out of the client's statistics."""
        await read_model.apply_invoice_cancelled(sessions=context.sessions, consumer=CONSUMER, event=event)

    return router
