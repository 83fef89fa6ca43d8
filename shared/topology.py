"""Declare every consumer queue before anything is published.

A topic exchange drops messages that no queue is bound for yet; at first start the clients
relay may publish before the orders service has declared its queues. Declaring the whole
topology as a deployment step (like a migration) closes that window.
"""

from __future__ import annotations

from fastapi import FastAPI

from shared.messaging import declare_dead_letter_queues


async def declare_topology(apps: list[FastAPI]) -> list[str]:
    """Declare the exchanges, queues, bindings and dead-letter queues of these service apps."""
    declared: list[str] = []
    for app in apps:
        context = app.state.context
        broker = context.broker
        await broker.connect()
        try:
            for subscriber in broker.subscribers:
                queue = await broker.declare_queue(subscriber.queue)
                exchange = await broker.declare_exchange(subscriber.exchange)
                await queue.bind(exchange, routing_key=subscriber.queue.routing())
                declared.append(subscriber.queue.name)
            await declare_dead_letter_queues(broker, context.consumer_queues)
        finally:
            await broker.stop()
    return declared
