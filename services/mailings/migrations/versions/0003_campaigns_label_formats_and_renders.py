"""paper campaigns, label formats and render jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 03:57:41.238586
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('selection', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'printed')", name=op.f('ck_campaigns_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_index('ix_campaigns_account', 'campaigns', ['account_id', sa.literal_column('id DESC')], unique=False)
    op.create_table('label_formats',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('paper', sa.String(length=10), nullable=False),
    sa.Column('columns', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('label_width_mm', sa.Float(), nullable=False),
    sa.Column('label_height_mm', sa.Float(), nullable=False),
    sa.Column('left_mm', sa.Float(), nullable=False),
    sa.Column('top_mm', sa.Float(), nullable=False),
    sa.Column('pitch_x_mm', sa.Float(), nullable=False),
    sa.Column('pitch_y_mm', sa.Float(), nullable=False),
    sa.Column('corner_radius_mm', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'code', name=op.f('pk_label_formats'))
    )
    op.create_table('label_settings',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('offset_x_mm', sa.Float(), nullable=False),
    sa.Column('offset_y_mm', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_label_settings'))
    )
    op.create_table('campaign_exclusions',
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('display_name', sa.String(length=300), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.CheckConstraint("reason IN ('refuses_mailing', 'no_address', 'undeliverable')", name=op.f('ck_campaign_exclusions_reason')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_exclusions_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'client_id', name=op.f('pk_campaign_exclusions'))
    )
    op.create_index('ix_campaign_exclusions_client', 'campaign_exclusions', ['account_id', 'client_id'], unique=False)
    op.create_table('campaign_images',
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('mime_type', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_images_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', name=op.f('pk_campaign_images'))
    )
    op.create_table('campaign_recipients',
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=50), nullable=True),
    sa.Column('first_name', sa.String(length=200), nullable=True),
    sa.Column('last_name', sa.String(length=200), nullable=True),
    sa.Column('company_name', sa.String(length=300), nullable=True),
    sa.Column('address', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_recipients_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'client_id', name=op.f('pk_campaign_recipients'))
    )
    op.create_index('ix_campaign_recipients_client', 'campaign_recipients', ['account_id', 'client_id'], unique=False)
    op.create_index('ix_campaign_recipients_position', 'campaign_recipients', ['campaign_id', 'position'], unique=False)
    op.create_table('render_jobs',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('label_format', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('skip', sa.Integer(), nullable=False),
    sa.Column('offset_x_mm', sa.Float(), nullable=False),
    sa.Column('offset_y_mm', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=10), server_default='queued', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('pages_done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('pages_total', sa.Integer(), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('file_size', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('letters', 'labels')", name=op.f('ck_render_jobs_kind')),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_render_jobs_state')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_render_jobs_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_render_jobs'))
    )
    op.create_index('ix_render_jobs_campaign', 'render_jobs', ['campaign_id'], unique=False)
    op.create_index('ix_render_jobs_pending', 'render_jobs', ['lease_until'], unique=False, postgresql_where=sa.text("state IN ('queued', 'running')"))


def downgrade() -> None:
    op.drop_index('ix_render_jobs_pending', table_name='render_jobs', postgresql_where=sa.text("state IN ('queued', 'running')"))
    op.drop_index('ix_render_jobs_campaign', table_name='render_jobs')
    op.drop_table('render_jobs')
    op.drop_index('ix_campaign_recipients_position', table_name='campaign_recipients')
    op.drop_index('ix_campaign_recipients_client', table_name='campaign_recipients')
    op.drop_table('campaign_recipients')
    op.drop_table('campaign_images')
    op.drop_index('ix_campaign_exclusions_client', table_name='campaign_exclusions')
    op.drop_table('campaign_exclusions')
    op.drop_table('label_settings')
    op.drop_table('label_formats')
    op.drop_index('ix_campaigns_account', table_name='campaigns')
    op.drop_table('campaigns')
