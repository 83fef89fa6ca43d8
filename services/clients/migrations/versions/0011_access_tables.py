"""identity's accounts, users and revoked tokens as the clients service knows them, to check tokens locally

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:30:00
"""

from alembic import op

from shared.access.migration import create_access_tables, drop_access_tables

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_access_tables()
    # Accounts made before identity existed are known already; identity announces them again when it adopts them.
    op.execute("INSERT INTO known_accounts (account_id, name) SELECT id, name FROM accounts ON CONFLICT DO NOTHING")


def downgrade() -> None:
    drop_access_tables()
