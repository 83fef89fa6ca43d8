"""order read models: client orders, invoice and shipment lines, timeline entries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 22:19:21.524356
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('client_invoice_lines',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('invoice_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('order_line_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('variant_id', sa.BigInteger(), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=False),
    sa.Column('container_id', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('line_total_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'invoice_id', 'order_line_id', name=op.f('pk_client_invoice_lines'))
    )
    op.create_table('client_orders',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('ship_to_client_id', sa.BigInteger(), nullable=False),
    sa.Column('order_number', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('container_ids', postgresql.ARRAY(sa.BigInteger()), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'order_id', name=op.f('pk_client_orders'))
    )
    op.create_index('ix_client_orders_history', 'client_orders', ['account_id', 'client_id', 'created_at', 'order_id'], unique=False)
    op.create_table('client_shipment_lines',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('shipment_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('order_line_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('ship_to_client_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_id', sa.BigInteger(), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=False),
    sa.Column('product_name', sa.Text(), nullable=False),
    sa.Column('vintage', sa.Integer(), nullable=True),
    sa.Column('container_id', sa.BigInteger(), nullable=False),
    sa.Column('container_name', sa.Text(), nullable=False),
    sa.Column('container_short_name', sa.Text(), nullable=False),
    sa.Column('millilitres', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('litres', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'shipment_id', 'order_line_id', name=op.f('pk_client_shipment_lines'))
    )
    op.create_index('ix_client_shipment_lines_ship_to', 'client_shipment_lines', ['account_id', 'ship_to_client_id', 'shipped_at'], unique=False)
    op.create_table('timeline_entries',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.BigInteger(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('source_event_id', sa.UUID(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timeline_entries')),
    sa.UniqueConstraint('source_event_id', 'client_id', name=op.f('uq_timeline_entries_source_event_id_client_id'))
    )
    op.create_index('ix_timeline_entries_client', 'timeline_entries', ['account_id', 'client_id', 'occurred_at', 'id'], unique=False)
    op.add_column('client_invoices', sa.Column('credit_note_number', sa.String(length=40), nullable=True))
    # Invoice ids were unique alone: a stranger's event naming one could block the real invoice.
    op.drop_constraint('pk_client_invoices', 'client_invoices', type_='primary')
    op.create_primary_key('pk_client_invoices', 'client_invoices', ['account_id', 'invoice_id'])
    op.create_index('ix_client_invoices_order', 'client_invoices', ['account_id', 'order_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_client_invoices_order', table_name='client_invoices')
    # Fails if two accounts now hold the same invoice id, which only the old key prevented.
    op.drop_constraint('pk_client_invoices', 'client_invoices', type_='primary')
    op.create_primary_key('pk_client_invoices', 'client_invoices', ['invoice_id'])
    op.drop_column('client_invoices', 'credit_note_number')
    op.drop_index('ix_timeline_entries_client', table_name='timeline_entries')
    op.drop_table('timeline_entries')
    op.drop_index('ix_client_shipment_lines_ship_to', table_name='client_shipment_lines')
    op.drop_table('client_shipment_lines')
    op.drop_index('ix_client_orders_history', table_name='client_orders')
    op.drop_table('client_orders')
    op.drop_table('client_invoice_lines')
