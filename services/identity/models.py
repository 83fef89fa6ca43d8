"""Tables of the identity service: accounts, users, invitations, passwords, sessions and signing keys."""

from __future__ import annotations

import uuid
from datetime import datetime

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
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata
from shared.idempotency import define_idempotency_keys
from shared.outbox import define_outbox


class Base(DeclarativeBase):
    """Declarative base of the identity database."""

    metadata = new_metadata()


outbox = define_outbox(Base.metadata)
idempotency_keys = define_idempotency_keys(Base.metadata)


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
    __table_args__ = (CheckConstraint("role IN ('owner', 'manager', 'staff', 'read_only')", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"), index=True)
    # As typed; sign-in finds the user by email_key, the address folded to lower case, which is unique
    # across accounts because one address signs in to one account.
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
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
