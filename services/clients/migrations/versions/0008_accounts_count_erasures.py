"""accounts count their erasures; the outbox is found by client

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('erasures', sa.Integer(), server_default='0', nullable=False))
    # An erasure finds the events naming a client by this index instead of reading the whole outbox.
    op.create_index('ix_outbox_client', 'outbox', ['account_id', sa.text("((body -> 'payload') ->> 'client_id')")])
    # A finished export asked for before a client's erasure may still hold that client: build it again.
    op.execute("UPDATE export_jobs j SET state = 'queued', lease_until = now(), rows_done = 0 "
               "WHERE j.state = 'done' AND EXISTS (SELECT 1 FROM clients c "
               "WHERE c.account_id = j.account_id AND c.erased_at > j.created_at)")


def downgrade() -> None:
    op.drop_index('ix_outbox_client', table_name='outbox')
    op.drop_column('accounts', 'erasures')
