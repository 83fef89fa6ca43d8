"""One handler in isolation with FastStream's in-memory broker (the database stays real)."""

import asyncio
import uuid
from datetime import UTC, datetime

from faststream.rabbit import TestRabbitBroker

from services.clients.models import outbox
from services.clients.read_model.handlers import build_subscribers
from services.clients.settings import ClientsSettings
from shared.app import build_context, include_subscribers
from shared.events import new_event
from shared.events.orders import InvoiceIssued, InvoiceIssuedPayload
from shared.messaging import ORDERS_EXCHANGE
from tests.support import eventually


async def test_invoice_issued_handler_updates_the_client_row(api, account, sql):
    client_id = (await api.post("/api/clients", json={"last_name": "Unitaire"}, headers=account.headers)).json()["id"]
    context = build_context(ClientsSettings(), outbox=outbox)
    include_subscribers(context, build_subscribers)
    event = new_event(
        InvoiceIssued,
        account_id=account.id,
        payload=InvoiceIssuedPayload(
            invoice_id=client_id * 1000 + 1,
            invoice_number="F-1",
            order_id=client_id * 1000 + 1,
            order_number="C-1",
            client_id=client_id,
            issued_at=datetime(2026, 5, 1, tzinfo=UTC),
            total_cents=777,
        ),
    )
    [applier] = [asyncio.create_task(work()) for work in context.background]
    try:
        async with TestRabbitBroker(context.broker) as broker:
            await broker.publish(
                event.model_dump(mode="json"),
                exchange=ORDERS_EXCHANGE,
                routing_key=event.type,
                message_id=str(event.event_id),
            )

            async def applied():
                rows = await sql("SELECT status, invoiced_total_cents FROM clients WHERE id = :c", c=client_id)
                return tuple(rows[0]) == ("client", 777)

            await eventually(applied)
    finally:
        applier.cancel()
        await context.engine.dispose()
    assert await sql("SELECT 1 FROM inbox WHERE event_id = :e", e=uuid.UUID(str(event.event_id)))
