"""Tables of the mailings service: the client replica for e-mails, e-mails, outbox and inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, DateTime, Identity, Index, Integer, String, Text, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata
from shared.inbox import define_inbox
from shared.outbox import define_outbox

EMAIL_STATUSES = ("queued", "sent", "failed")


class Base(DeclarativeBase):
    """Declarative base of the mailings database."""

    metadata = new_metadata()


outbox = define_outbox(Base.metadata)
inbox = define_inbox(Base.metadata)


class EmailClient(Base):
    """What the mailings service knows of a client to e-mail it, from the clients service's events.

    ``version`` is the snapshot last applied (0 while only a lifecycle event is known);
    ``flags_version`` the newest event that set ``archived``. Deleted, merged and erased are
    terminal: the row stays as a tombstone so a late snapshot cannot bring the client back.
    """

    __tablename__ = "email_clients"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    flags_version: Mapped[int] = mapped_column(Integer)
    display_name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    accepts_emailing: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"contact_id", "email", "receives_quotes", ...}] for contacts that have an address.
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into: Mapped[int | None] = mapped_column(BigInteger)


class Email(Base):
    """An e-mail to a client: queued by a request, delivered (or given up) by the sender loop."""

    __tablename__ = "emails"
    __table_args__ = (
        CheckConstraint(f"status IN {EMAIL_STATUSES}", name="status"),
        CheckConstraint("document_kind IN ('quotes', 'proforma', 'invoices', 'dunning')", name="document_kind"),
        Index("ix_emails_client", "account_id", "client_id", text("id DESC")),
        Index("ix_emails_account", "account_id", text("id DESC")),
        # Only queued rows are ever claimed: the index stays as small as the queue.
        Index("ix_emails_due", "next_attempt_at", postgresql_where=text("status = 'queued'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    client_id: Mapped[int] = mapped_column(BigInteger)
    document_kind: Mapped[str | None] = mapped_column(String(10))
    recipients: Mapped[list[str]] = mapped_column(ARRAY(String(254)))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    correlation_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
