"""e-mails to users: a fired reminder's notification is delivered by the mailings service too

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-04 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('emails', sa.Column('user_id', sa.String(length=100), nullable=True))


def downgrade() -> None:
    # E-mails to users have no place among a client's e-mails: they go with the column.
    op.execute("DELETE FROM emails WHERE user_id IS NOT NULL")
    op.drop_column('emails', 'user_id')
