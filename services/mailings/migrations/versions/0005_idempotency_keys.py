"""idempotency keys: the first answer of each request sent with an Idempotency-Key

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00
"""
from shared.idempotency.migration import create_idempotency_keys, drop_idempotency_keys

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_keys()


def downgrade() -> None:
    drop_idempotency_keys()
