"""RabbitMQ topology and broker factory: exchanges, quorum queues, dead-lettering."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange, RabbitQueue, RabbitRouter
from faststream.rabbit.schemas import Channel, QueueType

from shared.events.envelope import Event

Handler = Callable[..., Awaitable[Any]]
# One durable topic exchange per publishing service; routing key = event type.
CLIENTS_EXCHANGE = RabbitExchange("negoce.clients", type=ExchangeType.TOPIC, durable=True)
ORDERS_EXCHANGE = RabbitExchange("negoce.orders", type=ExchangeType.TOPIC, durable=True)
REMINDERS_EXCHANGE = RabbitExchange("negoce.reminders", type=ExchangeType.TOPIC, durable=True)
MAILINGS_EXCHANGE = RabbitExchange("negoce.mailings", type=ExchangeType.TOPIC, durable=True)
IDENTITY_EXCHANGE = RabbitExchange("negoce.identity", type=ExchangeType.TOPIC, durable=True)
DEAD_LETTER_EXCHANGE = RabbitExchange("negoce.dead-letter", type=ExchangeType.DIRECT, durable=True)

EXCHANGE_OF_SERVICE = {
    "clients": CLIENTS_EXCHANGE,
    "orders": ORDERS_EXCHANGE,
    "reminders": REMINDERS_EXCHANGE,
    "mailings": MAILINGS_EXCHANGE,
    "identity": IDENTITY_EXCHANGE,
}


def dead_letter_queue_name(queue_name: str) -> str:
    """Where messages of a consumer queue go once they exhausted their deliveries."""
    return f"{queue_name}.dead"


def consumer_queue(*, consumer: str, event: type[Event], delivery_limit: int) -> RabbitQueue:
    """The durable quorum queue of one consumer for one event type.

    A failing message is nacked and redelivered until ``x-delivery-limit``, then the
    queue dead-letters it to its ``.dead`` queue instead of dropping it.
    """
    return named_queue(f"{consumer}.{event.TYPE}", routing_key=event.TYPE, delivery_limit=delivery_limit)


def named_queue(name: str, *, routing_key: str, delivery_limit: int) -> RabbitQueue:
    """A durable quorum queue bound under ``routing_key``, dead-lettering to ``<name>.dead`` past its delivery limit."""
    return RabbitQueue(
        name,
        queue_type=QueueType.QUORUM,
        durable=True,
        routing_key=routing_key,
        arguments={
            # RabbitMQ 3.10 has no default delivery limit: without it a poison message loops forever.
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": name,
        },
    )


def subscriptions(
    router: RabbitRouter, *, consumer: str, exchange: RabbitExchange, delivery_limit: int
) -> Callable[[type[Event]], Callable[[Handler], Handler]]:
    """``@on(EventClass)``: subscribe a handler to the consumer's own queue for that event type.

    The handler is nacked on error, so the message returns until its delivery limit dead-letters it.
    """

    def on(event: type[Event]) -> Callable[[Handler], Handler]:
        queue = consumer_queue(consumer=consumer, event=event, delivery_limit=delivery_limit)
        return router.subscriber(queue, exchange, ack_policy=AckPolicy.NACK_ON_ERROR)

    return on


async def declare_dead_letter_queues(broker: RabbitBroker, queue_names: list[str]) -> None:
    """Declare each consumer queue's dead-letter queue and bind it to the dead-letter exchange."""
    exchange = await broker.declare_exchange(DEAD_LETTER_EXCHANGE)
    for name in queue_names:
        dead = await broker.declare_queue(
            RabbitQueue(dead_letter_queue_name(name), queue_type=QueueType.QUORUM, durable=True)
        )
        await dead.bind(exchange, routing_key=name)


def create_broker(url: str, *, prefetch: int = 100, virtualhost: str | None = None) -> RabbitBroker:
    """A broker with publisher confirms; nothing connects until it is started."""
    return RabbitBroker(
        url,
        virtualhost=virtualhost,
        default_channel=Channel(prefetch_count=prefetch, publisher_confirms=True),
        # Per-message lines at DEBUG (too many for INFO); handler failures still log at ERROR.
        logger=logging.getLogger("negoce.messages"),
        log_level=logging.DEBUG,
    )
