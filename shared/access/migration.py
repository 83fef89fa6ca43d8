"""DDL of the access tables, written once and called by each service's migration."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

CHANGED_AT = sa.text("clock_timestamp()")


def create_access_tables() -> None:
    """Create known_accounts, known_users and revoked_tokens (see shared/access/tables.py)."""
    op.create_table(
        "known_accounts",
        sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=CHANGED_AT),
    )
    op.create_index("ix_known_accounts_changed_at", "known_accounts", ["changed_at"])
    op.create_table(
        "known_users",
        sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=CHANGED_AT),
    )
    op.create_index("ix_known_users_account_id", "known_users", ["account_id"])
    op.create_index("ix_known_users_changed_at", "known_users", ["changed_at"])
    op.create_table(
        "revoked_tokens",
        sa.Column("token_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refuse_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=CHANGED_AT),
    )
    op.create_index("ix_revoked_tokens_changed_at", "revoked_tokens", ["changed_at"])


def drop_access_tables() -> None:
    """Drop the access tables (downgrade)."""
    for table in ("revoked_tokens", "known_users", "known_accounts"):
        op.drop_table(table)
