"""Inspect and replay dead-letter queues (messages that failed every delivery)."""

from __future__ import annotations

import aio_pika

from shared.messaging import dead_letter_queue_name


async def dead_letter_counts(amqp_url: str, queues: list[str]) -> dict[str, int]:
    """Messages waiting in the dead-letter queue of each consumer queue (absent ones are skipped)."""
    counts: dict[str, int] = {}
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        for queue in queues:
            channel = await connection.channel()
            try:
                declared = await channel.declare_queue(dead_letter_queue_name(queue), passive=True)
                counts[dead_letter_queue_name(queue)] = declared.declaration_result.message_count or 0
            except aio_pika.exceptions.ChannelClosed:
                continue
    return counts


async def replay_dead_letters(amqp_url: str, queue: str) -> int:
    """Move every message of ``queue``'s dead-letter queue back to ``queue``; returns the count."""
    moved = 0
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        dead = await channel.declare_queue(dead_letter_queue_name(queue), passive=True)
        while (message := await dead.get(no_ack=False, fail=False)) is not None:
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body=message.body,
                    headers={k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")},
                    message_id=message.message_id,
                    correlation_id=message.correlation_id,
                    content_type=message.content_type,
                    type=message.type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=queue,
            )
            await message.ack()
            moved += 1
    return moved
