"""Use cases driven by other services' events: the client list's statistics and status."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.clients import stats_repository
from services.clients.models import inbox
from shared.consumer import apply_once
from shared.events.envelope import Event
from shared.events.orders import InvoiceCancelled, InvoiceIssued

Sessions = async_sessionmaker[AsyncSession]


async def apply_invoice_issued(*, sessions: Sessions, consumer: str, event: InvoiceIssued) -> bool:
    """Count an invoice in its client's statistics; the client becomes a client (F2, F3)."""
    p = event.payload
    return await _record_then_refresh(
        sessions=sessions, consumer=consumer, event=event, client_id=p.client_id,
        record=lambda session: stats_repository.record_invoice_issued(
            session, account_id=event.account_id, invoice_id=p.invoice_id, client_id=p.client_id,
            order_id=p.order_id, order_number=p.order_number, invoice_number=p.invoice_number,
            issued_at=p.issued_at, total_cents=p.total_cents, currency=p.currency),
    )


async def apply_invoice_cancelled(*, sessions: Sessions, consumer: str, event: InvoiceCancelled) -> bool:
    """Take a cancelled invoice out of the statistics; no invoice left makes a prospect again."""
    p = event.payload
    return await _record_then_refresh(
        sessions=sessions, consumer=consumer, event=event, client_id=p.client_id,
        record=lambda session: stats_repository.record_invoice_cancelled(
            session, account_id=event.account_id, invoice_id=p.invoice_id, client_id=p.client_id,
            order_id=p.order_id, cancelled_at=p.cancelled_at),
    )


async def _record_then_refresh(
    *, sessions: Sessions, consumer: str, event: Event, client_id: int,
    record: Callable[[AsyncSession], Awaitable[None]],
) -> bool:
    account_id: uuid.UUID = event.account_id

    async def effect(session: AsyncSession) -> None:
        # The client's row lock serialises its events, so each recomputation sees the others.
        await stats_repository.lock_client(session, account_id=account_id, client_id=client_id)
        await record(session)
        await stats_repository.refresh_client_statistics(session, account_id=account_id, client_id=client_id)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)
