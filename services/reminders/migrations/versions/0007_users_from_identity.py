"""reminders' own user directory goes: assignees and notification addresses are identity's users

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Its names were free text, not identity's user ids: nothing in it carries over. Reminders keep
    # their assignee; a notification e-mail goes out again once the assignee is an identity user.
    op.drop_table("reminder_users")


def downgrade() -> None:
    op.create_table(
        "reminder_users",
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("account_id", "user_id"),
    )
