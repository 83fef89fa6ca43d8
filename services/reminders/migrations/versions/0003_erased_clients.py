"""the client replica remembers an erasure; the outbox is found by client

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An erasure finds the events naming a client by this index instead of reading the whole outbox.
    op.create_index('ix_outbox_client', 'outbox', ['account_id', sa.text("((body -> 'payload') ->> 'client_id')")])
    op.add_column('client_replicas', sa.Column('erased', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Before this revision an erasure left only the pseudonym it gives.
    op.execute("UPDATE client_replicas SET erased = true WHERE display_name = 'ANONYME-' || client_id")


def downgrade() -> None:
    op.drop_index('ix_outbox_client', table_name='outbox')
    op.drop_column('client_replicas', 'erased')
