"""Tables of the identity service: accounts, users, credentials, sessions, signing keys and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata
from shared.idempotency import define_idempotency_keys
from shared.inbox import define_inbox
from shared.outbox import define_outbox
from shared.retention import retention_indexes


class Base(DeclarativeBase):
    """Declarative base of the identity database."""

    metadata = new_metadata()


outbox = define_outbox(Base.metadata)
idempotency_keys = define_idempotency_keys(Base.metadata)
# The audit events of the other services, applied once each.
inbox = define_inbox(Base.metadata)
retention_indexes(outbox, inbox)  # the indexes the retention sweep reads (shared/retention)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class Account(Base):
    """A tenant; every user belongs to one."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created()
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A person of an account, with a role; active until disabled."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'manager', 'staff', 'read_only')", name="role"),
        CheckConstraint("language IN ('fr', 'en')", name="language"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"), index=True)
    # As typed; sign-in finds the user by email_key, the address folded to lower case, which is unique
    # across accounts because one address signs in to one account.
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    # The language the web console speaks to this user; every screen's text has a catalogue in it.
    language: Mapped[str] = mapped_column(String(8), server_default="fr")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()
    joined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Password(Base):
    """A user's password credential: an argon2id hash (its parameters are in the hash)."""

    __tablename__ = "passwords"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), primary_key=True)
    hash: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = _created()


class Invitation(Base):
    """A single-use invitation to set a password; only the SHA-256 of its token is kept."""

    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Session(Base):
    """A signed-in session: the family of refresh tokens one sign-in started."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(30))


class RefreshToken(Base):
    """One refresh token of a session; single-use: refreshing spends it and issues the next."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("sessions.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    created_at: Mapped[datetime] = _created()
    spent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInFailure(Base):
    """A failed sign-in, counted against its e-mail address and its client address for a while."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_email_key_at", "email_key", "at"),
        Index("ix_sign_in_failures_client_address_at", "client_address", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Text: folding to lower case may lengthen an address (ß becomes ss).
    email_key: Mapped[str] = mapped_column(Text)
    client_address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SigningKey(Base):
    """An Ed25519 key pair: the newest unretired one signs; retired ones stay published a while."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    # PKCS#8, encrypted with the service's key passphrase; never served.
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _created()
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Until when a retired key's public half is published: the last token it signed has expired by then.
    published_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A long-lived access token an owner made for an integration; only the SHA-256 of the token is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("role IN ('owner', 'manager', 'staff', 'read_only')", name="role"),)

    # Also the token's jti: services refuse a revoked one by it.
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"), index=True)
    # The user who made it: the token acts as them (its sub), with at most their role.
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    # The key that signed it stays published, after a rotation, until the token expires.
    kid: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(30))


class PasswordReset(Base):
    """A single-use link to choose a new password, valid an hour at most; only its token's hash is kept."""

    __tablename__ = "password_resets"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PasswordResetRequest(Base):
    """A request for a reset link, counted against its e-mail address and its client address for a while."""

    __tablename__ = "password_reset_requests"
    __table_args__ = (
        Index("ix_password_reset_requests_email_key_at", "email_key", "at"),
        Index("ix_password_reset_requests_client_address_at", "client_address", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email_key: Mapped[str] = mapped_column(Text)
    client_address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditEntry(Base):
    """One line of an account's audit trail: who did what, to what, when, from where. Append-only.

    A trigger (migration 0002) refuses UPDATE, DELETE and TRUNCATE: not even the service can rewrite it.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_account_id", "account_id", text("id DESC")),
        Index("ix_audit_entries_account_user", "account_id", "user_id", text("id DESC")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    role: Mapped[str | None] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str | None] = mapped_column(Text)
    client_address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # The service the action happened in.
    source: Mapped[str] = mapped_column(String(20))
