"""catalogue, prices, client replica, orders, invoices, shipments, payments, reservations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 22:18:35.736535
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('client_replicas',
    sa.Column('client_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('flags_version', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=300), nullable=False),
    sa.Column('search_name', sa.String(length=300, collation='C'), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('show_note_on_orders', sa.Boolean(), nullable=False),
    sa.Column('price_grid_id', sa.BigInteger(), nullable=True),
    sa.Column('billing_address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('shipping_address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_client_replicas'))
    )
    op.create_index('ix_client_replicas_choice', 'client_replicas', ['account_id', 'search_name'], unique=False)
    op.create_table('containers',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('short_name', sa.String(length=30), nullable=False),
    sa.Column('millilitres', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.CheckConstraint("kind IN ('bottle', 'magnum', 'bag-in-box', 'other')", name=op.f('ck_containers_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_containers')),
    sa.UniqueConstraint('account_id', 'short_name', name=op.f('uq_containers_account_id_short_name'))
    )
    op.create_index(op.f('ix_containers_account_id'), 'containers', ['account_id'], unique=False)
    op.create_table('number_sequences',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('last_value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'kind', name=op.f('pk_number_sequences'))
    )
    op.create_table('orders',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('ship_to_client_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('banner', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('draft', 'confirmed', 'invoiced', 'cancelled')", name=op.f('ck_orders_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('account_id', 'number', name=op.f('uq_orders_account_id_number'))
    )
    op.create_index('ix_orders_client', 'orders', ['account_id', 'client_id'], unique=False)
    op.create_table('price_grids',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('includes_tax', sa.Boolean(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_grids')),
    sa.UniqueConstraint('account_id', 'name', name=op.f('uq_price_grids_account_id_name'))
    )
    op.create_index(op.f('ix_price_grids_account_id'), 'price_grids', ['account_id'], unique=False)
    op.create_index('uq_price_grids_default', 'price_grids', ['account_id'], unique=True, postgresql_where='is_default')
    op.create_table('products',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    op.create_index(op.f('ix_products_account_id'), 'products', ['account_id'], unique=False)
    op.create_table('invoices',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('credit_note_number', sa.String(length=40), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_invoices_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('account_id', 'number', name=op.f('uq_invoices_account_id_number')),
    sa.UniqueConstraint('order_id', name=op.f('uq_invoices_order_id'))
    )
    op.create_table('payments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payments_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    op.create_index(op.f('ix_payments_order_id'), 'payments', ['order_id'], unique=False)
    op.create_table('shipments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('ship_to_client_id', sa.BigInteger(), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_shipments_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments'))
    )
    op.create_index(op.f('ix_shipments_order_id'), 'shipments', ['order_id'], unique=False)
    op.create_table('variants',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=False),
    sa.Column('container_id', sa.BigInteger(), nullable=False),
    sa.Column('vintage', sa.Integer(), nullable=True),
    sa.Column('packaging', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['container_id'], ['containers.id'], name=op.f('fk_variants_container_id_containers')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_variants_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variants'))
    )
    op.create_index(op.f('ix_variants_account_id'), 'variants', ['account_id'], unique=False)
    op.create_index(op.f('ix_variants_product_id'), 'variants', ['product_id'], unique=False)
    op.create_table('grid_prices',
    sa.Column('grid_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_id', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('price_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['price_grids.id'], name=op.f('fk_grid_prices_grid_id_price_grids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['variants.id'], name=op.f('fk_grid_prices_variant_id_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grid_id', 'variant_id', name=op.f('pk_grid_prices'))
    )
    op.create_index(op.f('ix_grid_prices_account_id'), 'grid_prices', ['account_id'], unique=False)
    op.create_table('negotiated_prices',
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_id', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('price_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['variant_id'], ['variants.id'], name=op.f('fk_negotiated_prices_variant_id_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'variant_id', name=op.f('pk_negotiated_prices'))
    )
    op.create_index(op.f('ix_negotiated_prices_account_id'), 'negotiated_prices', ['account_id'], unique=False)
    op.create_table('order_lines',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_id', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('price_rule', sa.String(length=12), nullable=False),
    sa.Column('line_total_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("price_rule IN ('negotiated', 'client_grid', 'default_grid', 'manual')", name=op.f('ck_order_lines_rule')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['variants.id'], name=op.f('fk_order_lines_variant_id_variants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    op.create_index(op.f('ix_order_lines_order_id'), 'order_lines', ['order_id'], unique=False)
    op.create_table('reservations',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_id', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('remaining', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'consumed', 'cancelled')", name=op.f('ck_reservations_status')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_reservations_quantity_positive')),
    sa.ForeignKeyConstraint(['variant_id'], ['variants.id'], name=op.f('fk_reservations_variant_id_variants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations'))
    )
    op.create_index('ix_reservations_client', 'reservations', ['account_id', 'client_id'], unique=False)
    op.create_table('shipment_lines',
    sa.Column('shipment_id', sa.BigInteger(), nullable=False),
    sa.Column('order_line_id', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_shipment_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_shipment_lines_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_shipment_lines_shipment_id_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shipment_id', 'order_line_id', name=op.f('pk_shipment_lines'))
    )


def downgrade() -> None:
    op.drop_table('shipment_lines')
    op.drop_index('ix_reservations_client', table_name='reservations')
    op.drop_table('reservations')
    op.drop_index(op.f('ix_order_lines_order_id'), table_name='order_lines')
    op.drop_table('order_lines')
    op.drop_index(op.f('ix_negotiated_prices_account_id'), table_name='negotiated_prices')
    op.drop_table('negotiated_prices')
    op.drop_index(op.f('ix_grid_prices_account_id'), table_name='grid_prices')
    op.drop_table('grid_prices')
    op.drop_index(op.f('ix_variants_product_id'), table_name='variants')
    op.drop_index(op.f('ix_variants_account_id'), table_name='variants')
    op.drop_table('variants')
    op.drop_index(op.f('ix_shipments_order_id'), table_name='shipments')
    op.drop_table('shipments')
    op.drop_index(op.f('ix_payments_order_id'), table_name='payments')
    op.drop_table('payments')
    op.drop_table('invoices')
    op.drop_index(op.f('ix_products_account_id'), table_name='products')
    op.drop_table('products')
    op.drop_index('uq_price_grids_default', table_name='price_grids', postgresql_where='is_default')
    op.drop_index(op.f('ix_price_grids_account_id'), table_name='price_grids')
    op.drop_table('price_grids')
    op.drop_index('ix_orders_client', table_name='orders')
    op.drop_table('orders')
    op.drop_table('number_sequences')
    op.drop_index(op.f('ix_containers_account_id'), table_name='containers')
    op.drop_table('containers')
    op.drop_index('ix_client_replicas_choice', table_name='client_replicas')
    op.drop_table('client_replicas')
