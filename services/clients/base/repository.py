"""Queries every slice shares: the account, the client row and its lock, its tags, contacts and figures.

This is the base slice's repository (see services/clients/base); it sits at the service level because
the export worker reads the account and its erasure count from here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.clients.base.domain import NameOrder
from services.clients.exports.lines import REFRESH_LINES
from services.clients.models import Account, Client, ClientTag, Contact


async def get_account(session: AsyncSession, *, account_id: uuid.UUID) -> Account | None:
    """The account, or None."""
    return await session.get(Account, account_id)


async def all_accounts(session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    """Every account's id and name, oldest first."""
    rows = await session.execute(select(Account.id, Account.name).order_by(Account.created_at, Account.id))
    return [(row.id, row.name) for row in rows]


async def add_account_if_absent(session: AsyncSession, *, account_id: uuid.UUID, name: str) -> None:
    """Create an account with default settings unless it exists."""
    await session.execute(
        pg_insert(Account).values(id=account_id, name=name).on_conflict_do_nothing(index_elements=[Account.id])
    )


async def name_orders(session: AsyncSession, *, account_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, NameOrder]:
    """The name order of each of these accounts."""
    rows = await session.execute(select(Account.id, Account.name_order).where(Account.id.in_(set(account_ids))))
    return dict(rows.all())


async def get_client(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    for_update: bool = False,
    live_only: bool = True,
) -> Client | None:
    """A client of the account (only a live one unless asked), optionally locked for an update."""
    query = select(Client).where(Client.id == client_id, Client.account_id == account_id)
    if live_only:
        query = query.where(Client.deleted_at.is_(None))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


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


async def client_tag_ids(session: AsyncSession, *, client_id: int) -> list[int]:
    """Ids of the tags a client carries, in id order."""
    rows = await session.execute(
        select(ClientTag.tag_id).where(ClientTag.client_id == client_id).order_by(ClientTag.tag_id)
    )
    return list(rows.scalars())


async def replace_client_tags(session: AsyncSession, *, client_id: int, tag_ids: Iterable[int]) -> None:
    """Make the client carry exactly these tags."""
    await session.execute(delete(ClientTag).where(ClientTag.client_id == client_id))
    values = [{"client_id": client_id, "tag_id": t} for t in sorted(set(tag_ids))]
    if values:
        await session.execute(insert(ClientTag), values)


async def tag_ids_by_client(session: AsyncSession, *, client_ids: list[int]) -> dict[int, list[int]]:
    """Tag ids of several clients at once."""
    rows = await session.execute(
        select(ClientTag.client_id, ClientTag.tag_id)
        .where(ClientTag.client_id.in_(client_ids))
        .order_by(ClientTag.tag_id)
    )
    found: dict[int, list[int]] = {client_id: [] for client_id in client_ids}
    for client_id, tag_id in rows.all():
        found[client_id].append(tag_id)
    return found


async def list_contacts(session: AsyncSession, *, client_id: int) -> list[Contact]:
    """A client's contacts in creation order."""
    rows = await session.execute(select(Contact).where(Contact.client_id == client_id).order_by(Contact.id))
    return list(rows.scalars())


async def live_clients_page(
    session: AsyncSession, *, account_id: uuid.UUID | None, after_id: int, limit: int
) -> list[Client]:
    """Live clients in id order after ``after_id`` (all accounts when none is given)."""
    query = select(Client).where(Client.deleted_at.is_(None), Client.id > after_id).order_by(Client.id).limit(limit)
    if account_id is not None:
        query = query.where(Client.account_id == account_id)
    return list((await session.execute(query)).scalars())


async def erased_among(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> set[int]:
    """The ids among these whose client was erased, or was merged into a client erased since."""
    ids = sorted(set(client_ids))
    if not ids:
        return set()
    kept = aliased(Client)
    rows = await session.execute(
        select(Client.id)
        .outerjoin(kept, (kept.account_id == Client.account_id) & (kept.id == Client.merged_into_id))
        .where(
            Client.account_id == account_id,
            Client.id.in_(ids),
            Client.erased_at.is_not(None) | kept.erased_at.is_not(None),
        )
    )
    return set(rows.scalars())


async def erasures_seen(session: AsyncSession, *, account_id: uuid.UUID) -> int | None:
    """The account's count of erasures, share-locked: an erasure being committed is waited for."""
    return await session.scalar(select(Account.erasures).where(Account.id == account_id).with_for_update(read=True))


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


# Orders placed: confirmed or invoiced, at their latest known state. A draft is not yet an order and a cancelled
# one no longer is; an order seen only as created counts once its order.confirmed (or order.invoiced) arrives.
_REFRESH_PLACED_ORDERS = text("""
UPDATE clients AS c
   SET placed_orders_count = (
        SELECT count(*)
          FROM client_orders o
         WHERE o.account_id = :account_id AND o.client_id = t.id AND o.state IN ('confirmed', 'invoiced'))
  FROM unnest(CAST(:client_ids AS bigint[])) AS t(id)
 WHERE c.account_id = :account_id AND c.id = t.id
""")


async def refresh_placed_orders(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> None:
    """Recount clients' orders placed from their orders' latest states (never incremented)."""
    ids = sorted(set(client_ids))
    if ids:
        # Not in the export line: the row trigger skips this column, so no line is formatted again.
        await session.execute(_REFRESH_PLACED_ORDERS, {"account_id": account_id, "client_ids": ids})


async def refresh_client_statistics(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> None:
    """Recompute clients' list columns and status from their invoices (never incremented)."""
    ids = sorted(set(client_ids))
    if ids:
        await session.execute(_REFRESH_STATISTICS, {"account_id": account_id, "client_ids": ids})
        # The row trigger skips statistics-only updates: format these lines in one statement instead.
        await session.execute(REFRESH_LINES, {"lines_account_id": account_id, "lines_client_ids": ids})
