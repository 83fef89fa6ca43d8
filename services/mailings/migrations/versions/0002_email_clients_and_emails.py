"""e-mails to clients and the client replica they are addressed from

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:19:25.499371
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('email_clients',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('flags_version', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('accepts_emailing', sa.Boolean(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('contacts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('erased', sa.Boolean(), nullable=False),
    sa.Column('merged_into', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('account_id', 'client_id', name=op.f('pk_email_clients'))
    )
    op.create_table('emails',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('document_kind', sa.String(length=10), nullable=True),
    sa.Column('recipients', postgresql.ARRAY(sa.String(length=254)), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('correlation_id', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("document_kind IN ('quotes', 'proforma', 'invoices', 'dunning')", name=op.f('ck_emails_document_kind')),
    sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name=op.f('ck_emails_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emails'))
    )
    op.create_index('ix_emails_account', 'emails', ['account_id', sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_emails_client', 'emails', ['account_id', 'client_id', sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_emails_due', 'emails', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'queued'"))


def downgrade() -> None:
    op.drop_index('ix_emails_due', table_name='emails', postgresql_where=sa.text("status = 'queued'"))
    op.drop_index('ix_emails_client', table_name='emails')
    op.drop_index('ix_emails_account', table_name='emails')
    op.drop_table('emails')
    op.drop_table('email_clients')
