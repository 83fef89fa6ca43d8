"""Helpers for tests against the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import inspect
import io
import uuid
import zipfile
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, overload

import aio_pika
import httpx
import orjson
import pdfplumber
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")


def in_process(app: Any, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """An HTTP client that calls a service app inside this process."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service.test", headers=headers or {}, timeout=30
    )


# Two signatures: from ``Callable[[], Awaitable[T] | T]`` alone mypy cannot tell what T an async check gives.
# The value returned is truthy, so never the None a check gives while it waits.
@overload
async def eventually(check: Callable[[], Awaitable[T | None]], *, timeout: float = ..., interval: float = ...) -> T: ...
@overload
async def eventually(check: Callable[[], T | None], *, timeout: float = ..., interval: float = ...) -> T: ...
async def eventually(check: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Poll a check (plain or async) until it returns a truthy value; fail with the last value otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)


class EventTap:
    """An exclusive queue bound to an exchange that records every message it receives."""

    def __init__(self, amqp_url: str, exchange: str, routing_key: str = "#") -> None:
        self.amqp_url, self.exchange, self.routing_key = amqp_url, exchange, routing_key
        self.messages: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def __aenter__(self) -> EventTap:
        self.connection = await aio_pika.connect_robust(self.amqp_url)
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(self.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        self.queue = await channel.declare_queue(exclusive=True)
        await self.queue.bind(exchange, routing_key=self.routing_key)
        await self.queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.messages.append(message)

    async def __aexit__(self, *exc: object) -> None:
        await self.connection.close()

    def bodies(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Decoded bodies, optionally only of one event type."""
        decoded = [orjson.loads(m.body) for m in self.messages]
        return [b for b in decoded if event_type is None or b["type"] == event_type]


async def publish_event(
    amqp_url: str,
    *,
    exchange: str,
    event_type: str,
    account_id: uuid.UUID,
    payload: dict[str, Any],
    event_id: uuid.UUID | None = None,
    raw_body: bytes | None = None,
) -> uuid.UUID:
    """Publish an enveloped event (or a raw body) as the owning service's relay would."""
    event_id = event_id or uuid.uuid4()
    body = (
        raw_body
        if raw_body is not None
        else orjson.dumps(
            {
                "event_id": str(event_id),
                "type": event_type,
                "schema_version": 1,
                "occurred_at": datetime.now(UTC).isoformat(),
                "account_id": str(account_id),
                "correlation_id": f"test-{event_id}",
                "payload": payload,
            }
        )
    )
    # A plain connection: one that never opens must not leave a reconnect loop behind.
    connection = await aio_pika.connect(amqp_url, timeout=30)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        target = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        await target.publish(
            aio_pika.Message(
                body,
                message_id=str(event_id),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=event_type,
        )
    return event_id


def invoice_issued(
    *, client_id: int, invoice_id: int, order_id: int, total_cents: int, issued_at: datetime, number: str | None = None
) -> dict[str, Any]:
    """Payload of an invoice.issued event."""
    return {
        "invoice_id": invoice_id,
        "invoice_number": number or f"F-{invoice_id:06d}",
        "order_id": order_id,
        "order_number": f"C-{order_id:06d}",
        "client_id": client_id,
        "issued_at": issued_at.isoformat(),
        "total_cents": total_cents,
        "currency": "EUR",
    }


def invoice_cancelled(*, client_id: int, invoice_id: int, order_id: int, cancelled_at: datetime) -> dict[str, Any]:
    """Payload of an invoice.cancelled event."""
    return {
        "invoice_id": invoice_id,
        "order_id": order_id,
        "client_id": client_id,
        "credit_note_number": f"AV-{invoice_id:06d}",
        "cancelled_at": cancelled_at.isoformat(),
    }


def container(
    container_id: int, *, short_name: str = "75 cl", millilitres: int = 750, kind: str = "bottle"
) -> dict[str, Any]:
    """A container as order events carry it."""
    return {
        "container_id": container_id,
        "name": f"Bouteille {short_name}",
        "short_name": short_name,
        "millilitres": millilitres,
        "kind": kind,
    }


def product_line(
    *,
    order_line_id: int,
    variant_id: int,
    container: dict[str, Any],
    quantity: str = "6",
    unit_price_cents: int = 1_000,
    product_id: int | None = None,
    product_name: str = "Château Test",
    vintage: int | None = 2020,
) -> dict[str, Any]:
    """One product line of an order or invoice (line total = quantity x unit price)."""
    total = int(Decimal(quantity) * unit_price_cents)
    return {
        "order_line_id": order_line_id,
        "variant_id": variant_id,
        "product_id": product_id or variant_id,
        "product_name": product_name,
        "vintage": vintage,
        "container": container,
        "quantity": quantity,
        "unit_price_cents": unit_price_cents,
        "line_total_cents": total,
    }


def shipment_line(line: dict[str, Any], quantity: str | None = None) -> dict[str, Any]:
    """A shipment line for (part of) a product line."""
    keep = ("order_line_id", "variant_id", "product_id", "product_name", "vintage", "container")
    return {**{k: line[k] for k in keep}, "quantity": quantity or line["quantity"]}


def order_payload(
    *,
    order_id: int,
    client_id: int,
    created_at: datetime,
    total_cents: int,
    version: int = 1,
    state: str = "draft",
    ship_to_client_id: int | None = None,
    lines: list[dict[str, Any]] | None = None,
    number: str | None = None,
) -> dict[str, Any]:
    """Payload of an order.created, order.confirmed or order.cancelled event."""
    return {
        "order_id": order_id,
        "order_number": number or f"C-{order_id:06d}",
        "client_id": client_id,
        "ship_to_client_id": ship_to_client_id or client_id,
        "state": state,
        "version": version,
        "total_cents": total_cents,
        "currency": "EUR",
        "created_at": created_at.isoformat(),
        "lines": lines or [],
    }


def invoice_issued_with_lines(*, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """Payload of an invoice.issued event with its lines; the total is theirs unless given."""
    fields.setdefault("total_cents", sum(line["line_total_cents"] for line in lines))
    return {**invoice_issued(**fields), "lines": lines}


def shipment_shipped(
    *,
    shipment_id: int,
    order_id: int,
    client_id: int,
    shipped_at: datetime,
    lines: list[dict[str, Any]],
    ship_to_client_id: int | None = None,
) -> dict[str, Any]:
    """Payload of a shipment.shipped event."""
    return {
        "shipment_id": shipment_id,
        "order_id": order_id,
        "order_number": f"C-{order_id:06d}",
        "client_id": client_id,
        "ship_to_client_id": ship_to_client_id or client_id,
        "shipped_at": shipped_at.isoformat(),
        "lines": lines,
    }


def payment_received(
    *, payment_id: int, order_id: int, client_id: int, amount_cents: int, paid_at: datetime, method: str = "virement"
) -> dict[str, Any]:
    """Payload of a payment.received event."""
    return {
        "payment_id": payment_id,
        "order_id": order_id,
        "order_number": f"C-{order_id:06d}",
        "client_id": client_id,
        "amount_cents": amount_cents,
        "currency": "EUR",
        "paid_at": paid_at.isoformat(),
        "method": method,
    }


async def rows_mentioning(engine: AsyncEngine, markers: Iterable[str]) -> list[str]:
    """Every row of every table of a database whose text (all its columns) contains one of the markers.

    Tables come from information_schema, not from a list, so a table added later is searched too.
    """
    patterns = [f"%{m}%" for m in markers]
    found = []
    async with engine.connect() as connection:
        tables = (
            (
                await connection.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                        "AND table_type = 'BASE TABLE' ORDER BY table_name"
                    )
                )
            )
            .scalars()
            .all()
        )
        for table in tables:
            rows = await connection.execute(
                text(f'SELECT t::text FROM "{table}" t WHERE t::text ILIKE ANY(:patterns)'), {"patterns": patterns}
            )
            found += [f"{table}: {row[0][:300]}" for row in rows]
    return found


def file_text(path: Path) -> str:
    """What a stored file says: an XLSX's unzipped parts, a PDF's extracted text and its bytes, else its bytes."""
    data = path.read_bytes()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    if data.startswith(b"%PDF"):
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = "\n".join(page.extract_text() or "" for page in pdf.pages)
        return pages + data.decode("latin-1")
    return data.decode("utf-8", "replace")


def files_mentioning(directories: Iterable[Path], markers: Iterable[str]) -> list[str]:
    """Every file under these folders whose content contains one of the markers (case aside)."""
    wanted = [m.casefold() for m in markers]
    found = []
    for directory in directories:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            content = file_text(path).casefold()
            found += [f"{path.name}: {m}" for m in wanted if m in content]
    return found
