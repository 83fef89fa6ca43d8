"""the language the web console speaks to each user

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 17:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('language', sa.String(length=8), server_default='fr', nullable=False))
    op.create_check_constraint(op.f('ck_users_language'), 'users', "language IN ('fr', 'en')")


def downgrade() -> None:
    op.drop_constraint(op.f('ck_users_language'), 'users', type_='check')
    op.drop_column('users', 'language')
