"""identity's accounts, users and revoked tokens as the reminders service knows them, to check tokens locally

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:30:00
"""

from alembic import op

from shared.access.migration import create_access_tables, drop_access_tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_access_tables()


def downgrade() -> None:
    drop_access_tables()
