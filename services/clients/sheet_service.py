"""Use cases of the client sheet's order figures: history, top products, statistics, timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients import repository, service, sheet_queries, timeline_repository
from services.clients.contacts_service import contact_body
from services.clients.keyset import decode_cursor, encode_cursor
from services.clients.periods import Group, check_order, period_keys, resolve_range
from services.clients.service import account_of, load_any_client
from services.clients.views import name_of, order_row, timeline_row, top_product_row
from shared.auth import Principal


async def order_history(
    session: AsyncSession,
    *,
    principal: Principal,
    client_id: int,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """The orders billed to a client, newest first, one keyset page (F13)."""
    client = await load_any_client(session, principal=principal, client_id=client_id)
    after = decode_cursor(cursor) if cursor else None
    rows = await sheet_queries.orders_page(
        session, account_id=principal.account_id, client_id=client.id, after=after, limit=limit
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [order_row(row) for row in rows],
        "next_cursor": encode_cursor(rows[-1].created_at, rows[-1].order_id) if more else None,
    }


async def client_sheet(session: AsyncSession, *, principal: Principal, client_id: int) -> dict[str, Any]:
    """Every field of a client, its contacts, its status and its figures, in one answer (F9)."""
    body = await service.get_client(session, principal=principal, client_id=client_id)
    contacts = await repository.list_contacts(session, client_id=client_id)
    figures = await sheet_queries.order_summary(session, account_id=principal.account_id, client_id=client_id)
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
    return body | {"contacts": [contact_body(c) for c in contacts], "summary": summary}


async def timeline(
    session: AsyncSession,
    *,
    principal: Principal,
    client_id: int,
    cursor: str | None,
    limit: int,
    categories: Sequence[str] = (),
) -> dict[str, Any]:
    """A client's timeline, newest first, one keyset page, of the given categories or all (F10)."""
    account = await account_of(session, principal)
    client = await load_any_client(session, principal=principal, client_id=client_id)
    after = decode_cursor(cursor) if cursor else None
    rows = await timeline_repository.timeline_page(
        session, account_id=principal.account_id, client_id=client.id, after=after, limit=limit, categories=categories
    )
    more = len(rows) > limit
    rows = rows[:limit]
    order = account.name_order
    items = [
        timeline_row(r.entry, other_name=name_of(r.about, order) if r.about else None)  # type: ignore[arg-type]
        for r in rows
    ]
    return {
        "items": items,
        "next_cursor": encode_cursor(rows[-1].entry.occurred_at, rows[-1].entry.id) if more else None,
    }


async def top_products(
    session: AsyncSession,
    *,
    principal: Principal,
    client_id: int,
    date_from: date | None,
    date_to: date | None,
    limit: int,
) -> dict[str, Any]:
    """The products most delivered to a client as ship-to, between two local dates (F16)."""
    check_order(date_from, date_to)
    account = await account_of(session, principal)
    client = await load_any_client(session, principal=principal, client_id=client_id)
    rows = await sheet_queries.top_products(
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
    """Orders, revenue and deliveries of a client per local month or year, and their total (F17)."""
    account = await account_of(session, principal)
    today = datetime.now(UTC).astimezone(ZoneInfo(account.timezone)).date()
    start, end = resolve_range(date_from=date_from, date_to=date_to, group=group, today=today)
    client = await load_any_client(session, principal=principal, client_id=client_id)
    scope = {
        "account_id": account.id,
        "client_id": client.id,
        "start": start,
        "end": end,
        "tz": account.timezone,
        "group": group,
        "container_id": container_id,
    }
    orders = await sheet_queries.orders_per_period(session, **scope)
    revenue = await sheet_queries.revenue_per_period(session, **scope)
    deliveries = await sheet_queries.deliveries_per_period(session, **scope)
    periods = []
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
