"""Use cases driven by other services' events: the client list's statistics and status."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.clients import stats_repository
from services.clients.models import inbox
from shared.consumer import apply_once
from shared.events.orders import InvoiceCancelled, InvoiceIssued


async def apply_invoice_issued(
    *, sessions: async_sessionmaker[AsyncSession], consumer: str, event: InvoiceIssued
) -> bool:
    """Count an invoice in its client's statistics; the client becomes a client (F2, F3)."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await stats_repository.lock_client(session, account_id=event.account_id, client_id=p.client_id)
        await stats_repository.record_invoice_issued(
            session, account_id=event.account_id, invoice_id=p.invoice_id, client_id=p.client_id,
            order_id=p.order_id, order_number=p.order_number, invoice_number=p.invoice_number,
            issued_at=p.issued_at, total_cents=p.total_cents, currency=p.currency)
        await stats_repository.refresh_client_statistics(session, account_id=event.account_id,
                                                         client_id=p.client_id)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def apply_invoice_cancelled(
    *, sessions: async_sessionmaker[AsyncSession], consumer: str, event: InvoiceCancelled
) -> bool:
    """Take a cancelled invoice out of the statistics; no invoice left makes a prospect again."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        await stats_repository.lock_client(session, account_id=event.account_id, client_id=p.client_id)
        await stats_repository.record_invoice_cancelled(
            session, account_id=event.account_id, invoice_id=p.invoice_id, client_id=p.client_id,
            order_id=p.order_id, cancelled_at=p.cancelled_at)
        await stats_repository.refresh_client_statistics(session, account_id=event.account_id,
                                                         client_id=p.client_id)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)
