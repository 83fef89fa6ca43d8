"""Queries of reminders, their notifications, the user directory, settings and client replica."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Update, and_, case, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reminders.models import (
    AccountSettings,
    ClientReplica,
    Notification,
    Reminder,
    ReminderUser,
)
from shared.client_replica import ReplicaTable
from shared.client_replica import repository as client_replica

AccountUser = tuple[uuid.UUID, str]
AccountClient = tuple[uuid.UUID, int]


# --- settings and users -------------------------------------------------------------------------


async def account_timezones(session: AsyncSession, *, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The time zone each of these accounts chose (accounts that never chose one are absent)."""
    rows = await session.execute(
        select(AccountSettings.account_id, AccountSettings.timezone).where(
            AccountSettings.account_id.in_(set(account_ids))
        )
    )
    # Not dict(rows): a Result has keys() (its column names), so dict() would read it as a mapping.
    return {row.account_id: row.timezone for row in rows}


async def save_timezone(session: AsyncSession, *, account_id: uuid.UUID, timezone: str) -> None:
    """Store the account's time zone."""
    statement = insert(AccountSettings).values(account_id=account_id, timezone=timezone)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["account_id"], set_={"timezone": statement.excluded.timezone})
    )


async def get_user(session: AsyncSession, *, account_id: uuid.UUID, user_id: str) -> ReminderUser | None:
    """A user of the account's directory."""
    return await session.get(ReminderUser, (account_id, user_id))


async def list_users(session: AsyncSession, *, account_id: uuid.UUID) -> list[ReminderUser]:
    """The account's directory, by user id."""
    rows = await session.scalars(
        select(ReminderUser).where(ReminderUser.account_id == account_id).order_by(ReminderUser.user_id)
    )
    return list(rows)


async def save_user(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: str, display_name: str, email: str | None
) -> None:
    """Add a user to the directory or change their name and e-mail."""
    statement = insert(ReminderUser).values(
        account_id=account_id, user_id=user_id, display_name=display_name, email=email
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["account_id", "user_id"],
            set_={"display_name": statement.excluded.display_name, "email": statement.excluded.email},
        )
    )


async def add_user_if_absent(session: AsyncSession, *, account_id: uuid.UUID, user_id: str) -> None:
    """Put a user in the directory under their id, keeping the name and e-mail of one already there."""
    await session.execute(
        insert(ReminderUser)
        .values(account_id=account_id, user_id=user_id, display_name=user_id, email=None)
        .on_conflict_do_nothing()
    )


async def user_emails(session: AsyncSession, *, keys: set[AccountUser]) -> dict[AccountUser, str]:
    """The e-mail address of each of these users that has one."""
    if not keys:
        return {}
    rows = await session.execute(
        select(ReminderUser.account_id, ReminderUser.user_id, ReminderUser.email).where(
            tuple_(ReminderUser.account_id, ReminderUser.user_id).in_(list(keys)), ReminderUser.email.is_not(None)
        )
    )
    return {(r.account_id, r.user_id): r.email for r in rows}


# --- client replica -----------------------------------------------------------------------------


# Only the name, for the notification e-mail's subject; the pseudonym once the client is erased.
CLIENTS = ReplicaTable(
    model=ClientReplica, columns=lambda _: {}, personal=lambda pseudonym: {"display_name": pseudonym}
)


async def get_replica(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, share_lock: bool = False
) -> ClientReplica | None:
    """This service's copy of a client of the account, optionally share-locked (an erasure then waits)."""
    return await client_replica.get(
        session, CLIENTS, account_id=account_id, client_id=client_id, lock="share" if share_lock else None
    )


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


# --- reminders ----------------------------------------------------------------------------------


async def get_reminder(
    session: AsyncSession, *, account_id: uuid.UUID, reminder_id: int, for_update: bool = False
) -> Reminder | None:
    """One reminder of the account, optionally locked."""
    query = select(Reminder).where(Reminder.account_id == account_id, Reminder.id == reminder_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def list_reminders(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    status: str | None,
    today: tuple[datetime, datetime],
    client_id: int | None,
    assigned_user: str | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Reminder]:
    """Reminders of the account in due order, filtered by status (local day bounds), client, assignee."""
    r = Reminder
    query = select(r).where(r.account_id == account_id)
    pending = r.done_at.is_(None)
    if status == "done":
        query = query.where(r.done_at.is_not(None))
    elif status == "overdue":
        query = query.where(pending, r.due_at < today[0])
    elif status == "due_today":
        query = query.where(pending, r.due_at >= today[0], r.due_at < today[1])
    elif status == "upcoming":
        query = query.where(pending, r.due_at >= today[1])
    if client_id is not None:
        query = query.where(r.client_id == client_id)
    if assigned_user is not None:
        query = query.where(r.assigned_user == assigned_user)
    if after is not None:
        query = query.where(or_(r.due_at > after[0], and_(r.due_at == after[0], r.id > after[1])))
    return list(await session.scalars(query.order_by(r.due_at, r.id).limit(limit)))


async def delete_reminder(session: AsyncSession, *, reminder: Reminder) -> None:
    """Delete a reminder; its notifications go with it."""
    await session.delete(reminder)


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


# --- firing -------------------------------------------------------------------------------------


def claim_due_statement(limit: int) -> Update:
    """The claim as one statement (also what the benchmark EXPLAINs for the idle poll)."""
    due = (
        select(Reminder.id)
        .where(Reminder.fired_at.is_(None), Reminder.done_at.is_(None), Reminder.due_at <= func.now())
        .order_by(Reminder.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return update(Reminder).where(Reminder.id.in_(due.scalar_subquery())).values(fired_at=func.now())


async def claim_due(session: AsyncSession, *, limit: int) -> list[Reminder]:
    """Mark up to ``limit`` due reminders fired and return them, locked until the transaction ends.

    SKIP LOCKED lets several workers claim disjoint batches; the partial index on due_at
    holds only unfired pending rows, so an idle poll reads one index page.
    """
    claimed = await session.scalars(
        claim_due_statement(limit).returning(Reminder), execution_options={"synchronize_session": False}
    )
    return list(claimed)


async def add_notifications(session: AsyncSession, *, rows: list[dict[str, Any]]) -> list[int]:
    """Insert feed entries; returns their ids in the order given."""
    if not rows:
        return []
    ids = await session.scalars(insert(Notification).returning(Notification.id, sort_by_parameter_order=True), rows)
    return list(ids)


# --- feed ---------------------------------------------------------------------------------------


async def list_notifications(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: str, unread: bool, limit: int
) -> list[Notification]:
    """A user's feed, newest first."""
    query = select(Notification).where(Notification.account_id == account_id, Notification.user_id == user_id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return list(await session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


async def mark_read(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: str, notification_id: int
) -> Notification | None:
    """Mark one of the user's notifications read (keeping the first reading time)."""
    return (
        await session.scalars(
            update(Notification)
            .where(
                Notification.account_id == account_id,
                Notification.user_id == user_id,
                Notification.id == notification_id,
            )
            .values(read_at=func.coalesce(Notification.read_at, func.now()))
            .returning(Notification),
            execution_options={"synchronize_session": False},
        )
    ).one_or_none()
