"""The Alembic steps that add and drop the retention sweep's indexes, in every service's migrations.

Built CONCURRENTLY, outside the migration's transaction: an outbox or an inbox of millions of rows
keeps taking writes while its index is built. Frozen history, like shared.idempotency.migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_retention_indexes() -> None:
    """Index relayed outbox rows by publication time and inbox rows by processing time."""
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_outbox_published_at",
            "outbox",
            ["published_at"],
            postgresql_where=sa.text("published_at IS NOT NULL"),
            postgresql_concurrently=True,
            if_not_exists=True,
        )
        op.create_index(
            "ix_inbox_processed_at", "inbox", ["processed_at"], postgresql_concurrently=True, if_not_exists=True
        )


def drop_retention_indexes() -> None:
    """Drop both indexes."""
    with op.get_context().autocommit_block():
        op.drop_index("ix_inbox_processed_at", table_name="inbox", postgresql_concurrently=True, if_exists=True)
        op.drop_index("ix_outbox_published_at", table_name="outbox", postgresql_concurrently=True, if_exists=True)
