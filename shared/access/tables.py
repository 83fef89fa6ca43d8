"""The tables in which a service keeps identity's accounts, users and revoked tokens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, Column, DateTime, Index, MetaData, Table, Text, text
from sqlalchemy.dialects.postgresql import UUID

# clock_timestamp(), not now(): the in-memory copies read what changed since their last read, and a
# long transaction's now() would date its rows before reads that could not see them yet.
CHANGED_AT = text("clock_timestamp()")


@dataclass(frozen=True)
class AccessTables:
    """A service's copy of identity's accounts, users and revocations."""

    accounts: Table
    users: Table
    revocations: Table


def define_access_tables(metadata: MetaData) -> AccessTables:
    """Declare the three tables in a service's metadata."""
    accounts = Table(
        "known_accounts",
        metadata,
        Column("account_id", UUID(as_uuid=True), primary_key=True),
        Column("name", Text, nullable=False),
        Column("closed_at", DateTime(timezone=True)),
        Column("changed_at", DateTime(timezone=True), nullable=False, server_default=CHANGED_AT),
        Index("ix_known_accounts_changed_at", "changed_at"),
    )
    users = Table(
        "known_users",
        metadata,
        Column("user_id", UUID(as_uuid=True), primary_key=True),
        Column("account_id", UUID(as_uuid=True), nullable=False, index=True),
        Column("email", Text, nullable=False),
        Column("name", Text, nullable=False),
        Column("role", Text, nullable=False),
        Column("active", Boolean, nullable=False),
        Column("joined", Boolean, nullable=False),
        # The identity event the row reflects: an older one arriving late changes nothing.
        Column("as_of", DateTime(timezone=True), nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False, server_default=CHANGED_AT),
        Index("ix_known_users_changed_at", "changed_at"),
    )
    revocations = Table(
        "revoked_tokens",
        metadata,
        # A session id (access tokens carry it as 'sid') or an API token id (carried as 'jti').
        Column("token_id", UUID(as_uuid=True), primary_key=True),
        Column("kind", Text, nullable=False),
        Column("user_id", UUID(as_uuid=True), nullable=False),
        Column("account_id", UUID(as_uuid=True), nullable=False),
        Column("revoked_at", DateTime(timezone=True), nullable=False),
        # After this no token it covers can still be valid: the row may be forgotten.
        Column("refuse_until", DateTime(timezone=True), nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False, server_default=CHANGED_AT),
        Index("ix_revoked_tokens_changed_at", "changed_at"),
    )
    return AccessTables(accounts=accounts, users=users, revocations=revocations)
