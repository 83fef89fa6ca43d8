"""client merges, archives and erasures: replica flags and superseded negotiated prices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 03:19:03.803410
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('superseded_prices',
    sa.Column('merge_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('variant_id', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('merged_client_id', sa.BigInteger(), nullable=False),
    sa.Column('price_cents', sa.BigInteger(), nullable=False),
    sa.Column('kept_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['variant_id'], ['variants.id'], name=op.f('fk_superseded_prices_variant_id_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('merge_id', 'variant_id', name=op.f('pk_superseded_prices'))
    )
    op.create_index('ix_superseded_prices_client', 'superseded_prices', ['account_id', 'client_id'], unique=False)
    op.add_column('client_replicas', sa.Column('archived', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('client_replicas', sa.Column('archived_version', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('client_replicas', sa.Column('erased', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('client_replicas', sa.Column('merged_into', sa.BigInteger(), nullable=True))
    op.add_column('client_replicas', sa.Column('merge_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column('client_replicas', 'merge_id')
    op.drop_column('client_replicas', 'merged_into')
    op.drop_column('client_replicas', 'erased')
    op.drop_column('client_replicas', 'archived_version')
    op.drop_column('client_replicas', 'archived')
    op.drop_index('ix_superseded_prices_client', table_name='superseded_prices')
    op.drop_table('superseded_prices')
