"""indexes the retention sweep reads: relayed outbox rows by publication time, inbox rows by processing time

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:00:00
"""

from shared.retention.migration import create_retention_indexes, drop_retention_indexes

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_retention_indexes()


def downgrade() -> None:
    drop_retention_indexes()
