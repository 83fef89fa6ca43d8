"""identity's accounts, users and revoked tokens as the mailings service knows them, to check tokens locally

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:30:00
"""

from alembic import op

from shared.access.migration import create_access_tables, drop_access_tables

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_access_tables()


def downgrade() -> None:
    drop_access_tables()
