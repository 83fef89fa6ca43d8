"""outbox and inbox

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 21:51:26.324819
"""
from alembic import op
import sqlalchemy as sa

from shared.outbox import notify_trigger_sql
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('consumer', sa.Text(), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_inbox'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('position', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('routing_key', sa.Text(), nullable=False),
    sa.Column('body', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('correlation_id', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('position', name=op.f('uq_outbox_position'))
    )
    op.create_index('ix_outbox_pending', 'outbox', ['position'], unique=False, postgresql_where=sa.text('published_at IS NULL'))
    op.execute(notify_trigger_sql("reminders")[0])


def downgrade() -> None:
    op.execute(notify_trigger_sql("reminders")[1])
    op.drop_index('ix_outbox_pending', table_name='outbox', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_table('outbox')
    op.drop_table('inbox')
