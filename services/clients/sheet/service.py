"""Use cases of the client sheet: every field and the summary, the orders history, top products, statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.keyset import decode_cursor, encode_cursor
from services.clients.base.service import account_of, client_read, load_any_client
from services.clients.contacts import service as contacts
from services.clients.sheet import repository
from services.clients.sheet.domain import Group, check_order, period_keys, resolve_range
from shared.auth import Principal


async def order_history(
    session: AsyncSession,
    *,
    principal: Principal,
    client_id: int,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """The orders billed to a client, newest first, one keyset page."""
    client = await load_any_client(session, principal=principal, client_id=client_id)
    after = decode_cursor(cursor) if cursor else None
    rows = await repository.orders_page(
        session, account_id=principal.account_id, client_id=client.id, after=after, limit=limit
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [order_row(row) for row in rows],
        "next_cursor": encode_cursor(rows[-1].created_at, rows[-1].order_id) if more else None,
    }


async def client_sheet(session: AsyncSession, *, principal: Principal, client_id: int) -> dict[str, Any]:
    """Every field of a client, its contacts, its status and its figures, in one answer."""
    account = await account_of(session, principal)
    client = await load_any_client(session, principal=principal, client_id=client_id)
    body = await client_read(session, account=account, client=client)
    figures = await repository.order_summary(session, account_id=principal.account_id, client_id=client_id)
    invoiced = body["invoiced_orders_count"]
    summary = {
        "orders_count": figures.orders_count,
        "open_orders_count": figures.open_orders_count,
        "last_order_at": figures.last_order_at,
        "invoiced_orders_count": invoiced,
        "invoiced_total_cents": body["invoiced_total_cents"],
        "average_invoiced_order_cents": round(body["invoiced_total_cents"] / invoiced) if invoiced else None,
        "last_invoiced_order": body["last_invoiced_order"],
    }
    return body | {"contacts": await contacts.contact_bodies(session, client_id=client.id), "summary": summary}


async def top_products(
    session: AsyncSession,
    *,
    principal: Principal,
    client_id: int,
    date_from: date | None,
    date_to: date | None,
    limit: int,
) -> dict[str, Any]:
    """The products most delivered to a client as ship-to, between two local dates."""
    check_order(date_from, date_to)
    account = await account_of(session, principal)
    client = await load_any_client(session, principal=principal, client_id=client_id)
    rows = await repository.top_products(
        session,
        account_id=account.id,
        client_id=client.id,
        start=date_from,
        end=date_to,
        tz=account.timezone,
        limit=limit,
    )
    return {"items": [top_product_row(row) for row in rows]}


async def statistics(
    session: AsyncSession,
    *,
    principal: Principal,
    client_id: int,
    date_from: date | None,
    date_to: date | None,
    group: Group,
    container_id: int | None,
) -> dict[str, Any]:
    """Orders, revenue and deliveries of a client per local month or year, and their total."""
    account = await account_of(session, principal)
    today = datetime.now(UTC).astimezone(ZoneInfo(account.timezone)).date()
    start, end = resolve_range(date_from=date_from, date_to=date_to, group=group, today=today)
    client = await load_any_client(session, principal=principal, client_id=client_id)
    scope: repository.PeriodScope = {
        "account_id": account.id,
        "client_id": client.id,
        "start": start,
        "end": end,
        "tz": account.timezone,
        "group": group,
        "container_id": container_id,
    }
    orders = await repository.orders_per_period(session, **scope)
    revenue = await repository.revenue_per_period(session, **scope)
    deliveries = await repository.deliveries_per_period(session, **scope)
    periods: list[dict[str, Any]] = []
    for key in period_keys(start, end, group):
        shipped = deliveries.get(key)
        periods.append(
            {
                "period": key,
                "orders": orders.get(key, 0),
                "revenue_cents": revenue.get(key, 0),
                "units": shipped.units if shipped else Decimal(0),
                "litres": shipped.litres if shipped else Decimal(0),
            }
        )
    total = {name: sum(p[name] for p in periods) for name in ("orders", "revenue_cents", "units", "litres")}
    return {
        "date_from": start,
        "date_to": end,
        "group": group,
        "container_id": container_id,
        "timezone": account.timezone,
        "periods": periods,
        "total": total,
    }


def order_row(row: Any) -> dict[str, Any]:
    """One order of a client's history, with its invoice and a link to the order."""
    cancelled = row.state == "cancelled"
    invoice = None
    if row.invoice_id is not None:
        invoice = {
            "invoice_id": row.invoice_id,
            "number": row.invoice_number,
            "issued_at": row.issued_at,
            "cancelled": row.cancelled_at is not None,
        }
    return {
        "order_id": row.order_id,
        "number": row.order_number,
        "state": row.state,
        "cancelled": cancelled,
        "created_at": row.created_at,
        "total_cents": row.total_cents,
        "currency": row.currency,
        "invoice": invoice,
        "link": f"/api/orders/{row.order_id}",
    }


def top_product_row(row: Any) -> dict[str, Any]:
    """One product of a client's top products."""
    return {
        "variant_id": row.variant_id,
        "product_id": row.product_id,
        "product_name": row.product_name,
        "vintage": row.vintage,
        "container": {
            "container_id": row.container_id,
            "name": row.container_name,
            "short_name": row.container_short_name,
            "millilitres": row.millilitres,
        },
        "units": float(row.units),
        "litres": float(row.litres),
    }
