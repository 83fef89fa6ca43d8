"""Queries of the read model fed by order events: invoices per client and their aggregates."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Row, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Client, ClientInvoice, ClientInvoiceLine
from shared.events.orders import ProductLinePayload


async def lock_clients(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> set[int]:
    """Lock the account's clients among these ids, in id order; returns the ids that exist.

    The lock serialises the events of one client, so each recomputation sees the others'
    rows; locking in id order keeps two events naming the same two clients from deadlocking.
    """
    rows = await session.execute(
        select(Client.id).where(Client.account_id == account_id, Client.id.in_(sorted(set(client_ids))))
        .order_by(Client.id).with_for_update()
    )
    return set(rows.scalars())


async def record_invoice_issued(
    session: AsyncSession, *, account_id: uuid.UUID, invoice_id: int, client_id: int, order_id: int,
    order_number: str, invoice_number: str, issued_at: datetime, total_cents: int, currency: str,
) -> str | None:
    """Upsert the issued facts of an invoice, keeping a cancellation that arrived first.

    Returns the number of the credit note that already cancelled it, if any.
    """
    values = dict(account_id=account_id, invoice_id=invoice_id, client_id=client_id, order_id=order_id,
                  order_number=order_number, invoice_number=invoice_number, issued_at=issued_at,
                  total_cents=total_cents, currency=currency)
    statement = insert(ClientInvoice).values(**values)
    return await session.scalar(statement.on_conflict_do_update(
        index_elements=[ClientInvoice.account_id, ClientInvoice.invoice_id],
        set_={k: statement.excluded[k] for k in values if k not in {"invoice_id", "account_id"}},
    ).returning(ClientInvoice.credit_note_number))


async def record_invoice_lines(
    session: AsyncSession, *, account_id: uuid.UUID, invoice_id: int, lines: Sequence[ProductLinePayload],
) -> None:
    """Store an invoice's lines once (an issued invoice never changes; a credit note cancels it)."""
    if not lines:
        return
    await session.execute(insert(ClientInvoiceLine).values([
        dict(account_id=account_id, invoice_id=invoice_id, order_line_id=line.order_line_id,
             variant_id=line.variant_id, product_id=line.product_id, container_id=line.container.container_id,
             quantity=line.quantity, line_total_cents=line.line_total_cents)
        for line in lines
    ]).on_conflict_do_nothing())


async def record_invoice_cancelled(
    session: AsyncSession, *, account_id: uuid.UUID, invoice_id: int, client_id: int, order_id: int,
    cancelled_at: datetime, credit_note_number: str,
) -> Row[tuple[str | None, int | None]] | None:
    """Upsert the cancellation of an invoice, even before its issue was seen.

    Returns the invoice's (invoice_number, total_cents), both None while its issue is unknown.
    """
    statement = insert(ClientInvoice).values(
        account_id=account_id, invoice_id=invoice_id, client_id=client_id, order_id=order_id,
        cancelled_at=cancelled_at, credit_note_number=credit_note_number)
    return (await session.execute(statement.on_conflict_do_update(
        index_elements=[ClientInvoice.account_id, ClientInvoice.invoice_id],
        set_={"cancelled_at": statement.excluded.cancelled_at,
              "credit_note_number": statement.excluded.credit_note_number},
    ).returning(ClientInvoice.invoice_number, ClientInvoice.total_cents))).first()


async def refresh_client_statistics(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> None:
    """Recompute a client's list columns and status from its invoices (never incremented)."""
    live = and_(ClientInvoice.account_id == account_id, ClientInvoice.client_id == client_id,
                ClientInvoice.issued_at.is_not(None), ClientInvoice.cancelled_at.is_(None))
    totals = (await session.execute(
        select(func.count(func.distinct(ClientInvoice.order_id)), func.coalesce(func.sum(ClientInvoice.total_cents), 0))
        .where(live)
    )).one()
    last = (await session.execute(
        select(ClientInvoice.order_id, ClientInvoice.order_number, ClientInvoice.issued_at)
        .where(live).order_by(ClientInvoice.issued_at.desc(), ClientInvoice.invoice_id.desc()).limit(1)
    )).first()
    orders, total = totals
    await session.execute(
        update(Client)
        .where(Client.account_id == account_id, Client.id == client_id)
        .values(
            invoiced_orders_count=orders, invoiced_total_cents=total,
            status="client" if orders else "prospect",
            last_invoiced_at=last.issued_at if last else None,
            last_invoiced_order_id=last.order_id if last else None,
            last_invoiced_order_number=last.order_number if last else None,
        )
    )
