"""printed campaigns follow erasures (erased recipients, a count per campaign); the outbox is found by client

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An erasure finds the events naming a client by this index instead of reading the whole outbox.
    op.create_index('ix_outbox_client', 'outbox', ['account_id', sa.text("((body -> 'payload') ->> 'client_id')")])
    op.add_column('campaigns', sa.Column('erasures', sa.Integer(), server_default='0', nullable=False))
    op.add_column('campaign_recipients', sa.Column('erased', sa.Boolean(), server_default=sa.false(),
                                                   nullable=False))
    # Recipients erased before this revision kept only their pseudonym and an empty address.
    op.execute("UPDATE campaign_recipients SET erased = true WHERE address = '{}'::jsonb")
    # Their PDFs still show them: the render worker draws those again without them.
    op.execute("UPDATE render_jobs SET state = 'queued', lease_until = now(), pages_done = 0 "
               "WHERE state = 'done' AND campaign_id IN (SELECT campaign_id FROM campaign_recipients WHERE erased)")


def downgrade() -> None:
    op.drop_index('ix_outbox_client', table_name='outbox')
    op.drop_column('campaign_recipients', 'erased')
    op.drop_column('campaigns', 'erasures')
