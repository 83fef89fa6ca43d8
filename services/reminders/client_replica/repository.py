"""Queries of the client replica and of what a client's deletion, merge or erasure does to reminders."""

from __future__ import annotations

import uuid

from sqlalchemy import case, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.client_replica.replica import CLIENTS
from services.reminders.models import ClientReplica, Notification, Reminder
from shared.client_replica import repository as client_replica

AccountClient = tuple[uuid.UUID, int]


async def get_replica(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> ClientReplica | None:
    """This service's copy of a client of the account."""
    return await client_replica.get(session, CLIENTS, account_id=account_id, client_id=client_id)


async def client_names(session: AsyncSession, *, keys: set[AccountClient]) -> dict[AccountClient, str]:
    """The display name of each of these clients this service knows."""
    if not keys:
        return {}
    rows = await session.execute(
        select(ClientReplica.account_id, ClientReplica.client_id, ClientReplica.display_name).where(
            tuple_(ClientReplica.account_id, ClientReplica.client_id).in_(list(keys))
        )
    )
    return {(r.account_id, r.client_id): r.display_name for r in rows}


async def move_client_reminders(
    session: AsyncSession, *, account_id: uuid.UUID, from_client: int, to_client: int
) -> list[Reminder]:
    """Give every reminder of one client to another; the pending ones get a new version."""
    moved = await session.scalars(
        update(Reminder)
        .where(Reminder.account_id == account_id, Reminder.client_id == from_client)
        .values(
            client_id=to_client,
            updated_at=func.now(),
            version=case((Reminder.done_at.is_(None), Reminder.version + 1), else_=Reminder.version),
        )
        .returning(Reminder),
        execution_options={"synchronize_session": False},
    )
    await session.execute(
        update(Notification)
        .where(Notification.account_id == account_id, Notification.client_id == from_client)
        .values(client_id=to_client)
    )
    return list(moved)


async def delete_client_reminders(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> int:
    """Delete a client's reminders with their notifications; returns how many."""
    result = await session.execute(
        delete(Reminder).where(Reminder.account_id == account_id, Reminder.client_id == client_id)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]  # a DELETE's result is a CursorResult


async def erase_client_texts(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, pseudonym: str, blank: str
) -> None:
    """Remove the personal data an erased client's reminders and notifications hold (the replica row is the shared replica's)."""
    await session.execute(
        update(Reminder)
        .where(Reminder.account_id == account_id, Reminder.client_id == client_id)
        .values(text=blank, updated_at=func.now())
    )
    await session.execute(
        update(Notification)
        .where(Notification.account_id == account_id, Notification.client_id == client_id)
        .values(text=blank)
    )
