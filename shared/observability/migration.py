"""DDL of the outbox's trace column, written once and called by each service's migration."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def add_outbox_traceparent() -> None:
    """Add ``outbox.traceparent`` (nullable: adding it rewrites nothing, old rows simply have none)."""
    op.add_column("outbox", sa.Column("traceparent", sa.Text()))


def drop_outbox_traceparent() -> None:
    """Remove ``outbox.traceparent``."""
    op.drop_column("outbox", "traceparent")
