"""Tables of the mailings service: client replica and e-mails, campaigns, label formats, render jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.access.tables import define_access_tables
from shared.db import new_metadata
from shared.idempotency import define_idempotency_keys
from shared.inbox import define_inbox
from shared.outbox import define_outbox
from shared.retention import retention_indexes

EMAIL_STATUSES = ("queued", "sent", "failed")


class Base(DeclarativeBase):
    """Declarative base of the mailings database."""

    metadata = new_metadata()


outbox = define_outbox(Base.metadata, indexed_by_client=True)
inbox = define_inbox(Base.metadata)
retention_indexes(outbox, inbox)  # the indexes the retention sweep reads (shared/retention)
idempotency_keys = define_idempotency_keys(Base.metadata)
# Identity's accounts, users and revocations, which every request's token is checked against.
access_tables = define_access_tables(Base.metadata)


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
    """An e-mail, delivered (or given up) by the sender loop: the one SMTP sender of the project.

    Most go to a client, queued by a request. Those with ``user_id`` go to a user of the account,
    asked for by another service's event (a fired reminder's notification, about ``client_id``):
    they are not the client's correspondence, so neither the e-mail routes nor email.* show them,
    but the client's deletion, merge and erasure reach them like the others.
    """

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
    # The user of the account the e-mail notifies; None for an e-mail to the client's addresses.
    user_id: Mapped[str | None] = mapped_column(String(100))
    correlation_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


CAMPAIGN_STATUSES = ("draft", "printed")
EXCLUSION_REASONS = ("refuses_mailing", "no_address", "undeliverable")
RENDER_KINDS = ("letters", "labels")
RENDER_STATES = ("queued", "running", "done", "failed")


class Campaign(Base):
    """A paper mailing: its text and the recipients snapshotted when it was created, printed as one letter each.

    ``status`` becomes printed when a render finishes; a printed campaign is frozen so that
    reprinting gives the same letters.
    """

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(f"status IN {CAMPAIGN_STATUSES}", name="status"),
        Index("ix_campaigns_account", "account_id", text("id DESC")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The selection as asked (search, segment or ids): what the snapshot was resolved from.
    selection: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    printed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Clients of the snapshot erased so far: a PDF drawn before the latest one may still show that
    # client, so the render worker draws it again (renders/worker.py).
    erasures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CampaignImage(Base):
    """A campaign's background image: its bytes are in the files' storage under ``storage_key``.

    Images uploaded before the storage held them are still in ``data`` until the render worker
    moves them (campaigns.service.move_images_to_storage).
    """

    __tablename__ = "campaign_images"
    __table_args__ = (CheckConstraint("storage_key IS NOT NULL OR data IS NOT NULL", name="stored"),)

    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    mime_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)


class CampaignRecipient(Base):
    """A recipient as it was when the campaign was created: names and postal address, in print order."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        Index("ix_campaign_recipients_position", "campaign_id", "position"),
        # Client life (merge, deletion, erasure) finds a client's rows across campaigns.
        Index("ix_campaign_recipients_client", "account_id", "client_id"),
    )

    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    position: Mapped[int] = mapped_column(Integer)
    display_name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(String(50))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    company_name: Mapped[str | None] = mapped_column(String(300))
    # {"line1", "line2", "line3", "postal_code", "city", "country_code"}
    address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The client's personal data was erased: its place (and pseudonym) stays, it is printed no more.
    erased: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CampaignExclusion(Base):
    """A client of the selection left out of the campaign, and why."""

    __tablename__ = "campaign_exclusions"
    __table_args__ = (
        CheckConstraint(f"reason IN {EXCLUSION_REASONS}", name="reason"),
        Index("ix_campaign_exclusions_client", "account_id", "client_id"),
    )

    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    display_name: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)


class AccountLabelFormat(Base):
    """A label-sheet format an account added; the seeded ones are served from code (paper.formats)."""

    __tablename__ = "label_formats"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    paper: Mapped[str] = mapped_column(String(10))
    columns: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    label_width_mm: Mapped[float] = mapped_column(Float)
    label_height_mm: Mapped[float] = mapped_column(Float)
    left_mm: Mapped[float] = mapped_column(Float)
    top_mm: Mapped[float] = mapped_column(Float)
    pitch_x_mm: Mapped[float] = mapped_column(Float)
    pitch_y_mm: Mapped[float] = mapped_column(Float)
    corner_radius_mm: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LabelSettings(Base):
    """An account's printer calibration: where its printer really puts (0, 0), in millimetres."""

    __tablename__ = "label_settings"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    offset_x_mm: Mapped[float] = mapped_column(Float, default=0.0)
    offset_y_mm: Mapped[float] = mapped_column(Float, default=0.0)


class RenderJob(Base):
    """A campaign's PDF built in the background; the row is the queue (as the clients' export jobs).

    A worker claims it with a lease that its progress reports renew; ``attempts`` fences out a
    worker that lost its lease: only the attempt that still owns the row may finish it.
    """

    __tablename__ = "render_jobs"
    __table_args__ = (
        CheckConstraint(f"kind IN {RENDER_KINDS}", name="kind"),
        CheckConstraint(f"state IN {RENDER_STATES}", name="state"),
        Index("ix_render_jobs_pending", "lease_until", postgresql_where=text("state IN ('queued', 'running')")),
        Index("ix_render_jobs_campaign", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    campaign_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    # Labels: the format's geometry as it was asked (an account format may be deleted meanwhile).
    label_format: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    skip: Mapped[int] = mapped_column(Integer, default=0)
    offset_x_mm: Mapped[float] = mapped_column(Float, default=0.0)
    offset_y_mm: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pages_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pages_total: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
