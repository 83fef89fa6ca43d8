"""Tables of the reminders service: reminders, what fired, the user directory and client replica."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.access.tables import define_access_tables
from shared.db import new_metadata
from shared.idempotency import define_idempotency_keys
from shared.inbox import define_inbox
from shared.outbox import define_outbox
from shared.retention import retention_indexes

TEXT_MAX = 2_000


class Base(DeclarativeBase):
    """Declarative base of the reminders database."""

    metadata = new_metadata()


outbox = define_outbox(Base.metadata, indexed_by_client=True)
inbox = define_inbox(Base.metadata)
retention_indexes(outbox, inbox)  # the indexes the retention sweep reads (shared/retention)
idempotency_keys = define_idempotency_keys(Base.metadata)
# Identity's accounts, users and revocations, which every request's token is checked against.
access_tables = define_access_tables(Base.metadata)


class Reminder(Base):
    """A dated reminder about a client, assigned to a user of the account.

    ``fired_at`` is set by the transaction that fires it; rescheduling clears it, so the
    reminder fires once per due time. Only rows neither fired nor done are in the partial
    index the dispatcher polls: a million pending reminders cost nothing until due.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_due", "due_at", postgresql_where="fired_at IS NULL AND done_at IS NULL"),
        Index("ix_reminders_account_due", "account_id", "due_at", "id"),
        Index("ix_reminders_client", "account_id", "client_id"),
        Index("ix_reminders_assignee", "account_id", "assigned_user", "due_at"),
        CheckConstraint(f"char_length(text) <= {TEXT_MAX}", name="text_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    client_id: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    assigned_user: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Notification(Base):
    """One firing of a reminder as the assigned user's feed shows it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_feed", "account_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    user_id: Mapped[str] = mapped_column(String(100))
    # The feed entry goes with its reminder: deleting a reminder or its client forgets both.
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountSettings(Base):
    """Per-account settings of this service: the time zone reminders are shown in."""

    __tablename__ = "account_settings"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))


class ClientReplica(Base):
    """What this service knows of a client, from the clients service's events."""

    __tablename__ = "client_replicas"

    client_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # 0 until client.created or client.updated arrived (a delete or merge may overtake them).
    version: Mapped[int] = mapped_column(Integer)
    # For the notification e-mail's subject; the pseudonym once the client is erased.
    display_name: Mapped[str] = mapped_column(String(300), default="")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into: Mapped[int | None] = mapped_column(BigInteger)
    # Its personal data was erased: no reminder text may be written for it any more.
    erased: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
