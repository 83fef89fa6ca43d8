"""Queries of the read model fed by order events: invoices per client and their aggregates."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Row, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Client, ClientInvoice, ClientInvoiceLine
from shared.events.orders import InvoiceIssuedPayload


async def lock_clients(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> set[int]:
    """Lock the account's clients among these ids, in id order; returns the ids that exist.

    The lock serialises the events of one client, so each recomputation sees the others'
    rows; locking in id order keeps two events naming the same two clients from deadlocking.
    """
    rows = await session.execute(
        select(Client.id)
        .where(Client.account_id == account_id, Client.id.in_(sorted(set(client_ids))))
        .order_by(Client.id)
        .with_for_update()
    )
    return set(rows.scalars())


async def record_invoices_issued(
    session: AsyncSession, *, account_id: uuid.UUID, invoices: Sequence[InvoiceIssuedPayload]
) -> dict[int, str | None]:
    """Upsert the issued facts of invoices, keeping cancellations that arrived first.

    Returns, per invoice, the number of a credit note that already cancelled it (else None).
    """
    latest = {p.invoice_id: p for p in invoices}  # one row per invoice: an upsert may not touch a row twice
    table = ClientInvoice.__table__
    statement = insert(table)
    updated = ("client_id", "order_id", "order_number", "invoice_number", "issued_at", "total_cents", "currency")
    # Core executemany: one cached statement whatever the batch size (see shared.inbox.claim_events).
    rows = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.account_id, table.c.invoice_id], set_={k: statement.excluded[k] for k in updated}
        ).returning(table.c.invoice_id, table.c.credit_note_number),
        [
            {
                "account_id": account_id,
                "invoice_id": p.invoice_id,
                "client_id": p.client_id,
                "order_id": p.order_id,
                "order_number": p.order_number,
                "invoice_number": p.invoice_number,
                "issued_at": p.issued_at,
                "total_cents": p.total_cents,
                "currency": p.currency,
            }
            for p in latest.values()
        ],
    )
    return dict(rows.all())


async def record_invoice_lines(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    invoices: Sequence[InvoiceIssuedPayload],
) -> None:
    """Store invoices' lines once (an issued invoice never changes; a credit note cancels it)."""
    values = [
        {
            "account_id": account_id,
            "invoice_id": p.invoice_id,
            "order_line_id": line.order_line_id,
            "variant_id": line.variant_id,
            "product_id": line.product_id,
            "container_id": line.container.container_id,
            "quantity": line.quantity,
            "line_total_cents": line.line_total_cents,
        }
        for p in invoices
        for line in p.lines
    ]
    if values:
        await session.execute(insert(ClientInvoiceLine.__table__).on_conflict_do_nothing(), values)


async def record_invoice_cancelled(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    invoice_id: int,
    client_id: int,
    order_id: int,
    cancelled_at: datetime,
    credit_note_number: str,
) -> Row[tuple[str | None, int | None]] | None:
    """Upsert the cancellation of an invoice, even before its issue was seen.

    Returns the invoice's (invoice_number, total_cents), both None while its issue is unknown.
    """
    statement = insert(ClientInvoice).values(
        account_id=account_id,
        invoice_id=invoice_id,
        client_id=client_id,
        order_id=order_id,
        cancelled_at=cancelled_at,
        credit_note_number=credit_note_number,
    )
    return (
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[ClientInvoice.account_id, ClientInvoice.invoice_id],
                set_={
                    "cancelled_at": statement.excluded.cancelled_at,
                    "credit_note_number": statement.excluded.credit_note_number,
                },
            ).returning(ClientInvoice.invoice_number, ClientInvoice.total_cents)
        )
    ).first()


# Every figure recomputed from the live invoices, for many clients in one statement.
_REFRESH_STATISTICS = text("""
UPDATE clients AS c
   SET invoiced_orders_count = s.orders,
       invoiced_total_cents = s.total,
       status = CASE WHEN s.orders > 0 THEN 'client' ELSE 'prospect' END,
       last_invoiced_at = l.issued_at,
       last_invoiced_order_id = l.order_id,
       last_invoiced_order_number = l.order_number
  FROM unnest(CAST(:client_ids AS bigint[])) AS t(id)
  CROSS JOIN LATERAL (
        SELECT count(DISTINCT i.order_id) AS orders, coalesce(sum(i.total_cents), 0) AS total
          FROM client_invoices i
         WHERE i.account_id = :account_id AND i.client_id = t.id
           AND i.issued_at IS NOT NULL AND i.cancelled_at IS NULL) AS s
  LEFT JOIN LATERAL (
        SELECT i.order_id, i.order_number, i.issued_at
          FROM client_invoices i
         WHERE i.account_id = :account_id AND i.client_id = t.id
           AND i.issued_at IS NOT NULL AND i.cancelled_at IS NULL
         ORDER BY i.issued_at DESC, i.invoice_id DESC
         LIMIT 1) AS l ON true
 WHERE c.account_id = :account_id AND c.id = t.id
""")


async def refresh_client_statistics(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> None:
    """Recompute clients' list columns and status from their invoices (never incremented)."""
    ids = sorted(set(client_ids))
    if ids:
        await session.execute(_REFRESH_STATISTICS, {"account_id": account_id, "client_ids": ids})
