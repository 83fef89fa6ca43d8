"""client base: accounts, clients, contacts, categories, tags, read model, outbox, inbox

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 21:47:19.410459
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from shared.outbox import notify_trigger_sql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# Tab counts are shown on every page; counting a million rows per request is too slow,
# so a trigger keeps them, whatever code path changes a client's status or deletes it.
COUNT_TRIGGERS = """
CREATE FUNCTION clients_adjust_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
    UPDATE account_client_counts
       SET clients = clients - (OLD.status = 'client')::int,
           prospects = prospects - (OLD.status = 'prospect')::int
     WHERE account_id = OLD.account_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
    INSERT INTO account_client_counts AS c (account_id, clients, prospects)
    VALUES (NEW.account_id, (NEW.status = 'client')::int, (NEW.status = 'prospect')::int)
    ON CONFLICT (account_id) DO UPDATE
       SET clients = c.clients + EXCLUDED.clients, prospects = c.prospects + EXCLUDED.prospects;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER clients_counts_insert_delete AFTER INSERT OR DELETE ON clients
  FOR EACH ROW EXECUTE FUNCTION clients_adjust_counts();
CREATE TRIGGER clients_counts_update AFTER UPDATE OF status, deleted_at ON clients
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
  EXECUTE FUNCTION clients_adjust_counts();
"""
DROP_COUNT_TRIGGERS = """
DROP TRIGGER IF EXISTS clients_counts_update ON clients;
DROP TRIGGER IF EXISTS clients_counts_insert_delete ON clients;
DROP FUNCTION IF EXISTS clients_adjust_counts();
"""


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_order', sa.String(length=16), server_default='first_last', nullable=False),
    sa.Column('accounting_prefix', sa.String(length=10), server_default='411', nullable=False),
    sa.Column('timezone', sa.String(length=64), server_default='Europe/Paris', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("name_order IN ('first_last', 'last_first')", name=op.f('ck_accounts_name_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts'))
    )
    op.create_table('client_invoices',
    sa.Column('invoice_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('order_number', sa.String(length=40), nullable=True),
    sa.Column('invoice_number', sa.String(length=40), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total_cents', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('invoice_id', name=op.f('pk_client_invoices'))
    )
    op.create_index('ix_client_invoices_client', 'client_invoices', ['account_id', 'client_id'], unique=False)
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
    op.create_table('account_client_counts',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('clients', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('prospects', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_client_counts_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_client_counts'))
    )
    op.create_table('categories',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_categories_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('account_id', 'name', name=op.f('uq_categories_account_id_name'))
    )
    op.create_index(op.f('ix_categories_account_id'), 'categories', ['account_id'], unique=False)
    op.create_table('tags',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_tags_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('account_id', 'name', name=op.f('uq_tags_account_id_name'))
    )
    op.create_index(op.f('ix_tags_account_id'), 'tags', ['account_id'], unique=False)
    op.create_table('clients',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=30), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('company_name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('mobile', sa.String(length=30), nullable=True),
    sa.Column('billing_line1', sa.String(length=100), nullable=True),
    sa.Column('billing_line2', sa.String(length=100), nullable=True),
    sa.Column('billing_line3', sa.String(length=100), nullable=True),
    sa.Column('billing_postal_code', sa.String(length=16), nullable=True),
    sa.Column('billing_city', sa.String(length=100), nullable=True),
    sa.Column('billing_country', sa.String(length=2), nullable=False),
    sa.Column('shipping_same_as_billing', sa.Boolean(), nullable=False),
    sa.Column('shipping_line1', sa.String(length=100), nullable=True),
    sa.Column('shipping_line2', sa.String(length=100), nullable=True),
    sa.Column('shipping_line3', sa.String(length=100), nullable=True),
    sa.Column('shipping_postal_code', sa.String(length=16), nullable=True),
    sa.Column('shipping_city', sa.String(length=100), nullable=True),
    sa.Column('shipping_country', sa.String(length=2), nullable=True),
    sa.Column('category_id', sa.BigInteger(), nullable=True),
    sa.Column('price_grid_id', sa.BigInteger(), nullable=True),
    sa.Column('accounting_code', sa.String(length=30), nullable=False),
    sa.Column('accepts_emailing', sa.Boolean(), nullable=False),
    sa.Column('accepts_mailing', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('show_note_on_orders', sa.Boolean(), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('blocked_reason', sa.String(length=500), nullable=True),
    sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blocked_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sort_first_last', sa.String(length=300, collation='C'), nullable=False),
    sa.Column('sort_last_first', sa.String(length=300, collation='C'), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='prospect', nullable=False),
    sa.Column('invoiced_orders_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('invoiced_total_cents', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('last_invoiced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_invoiced_order_id', sa.BigInteger(), nullable=True),
    sa.Column('last_invoiced_order_number', sa.String(length=40), nullable=True),
    sa.CheckConstraint("kind IN ('person', 'company')", name=op.f('ck_clients_kind')),
    sa.CheckConstraint("status IN ('prospect', 'client')", name=op.f('ck_clients_status')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_clients_account_id_accounts')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_clients_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clients')),
    sa.UniqueConstraint('account_id', 'accounting_code', name=op.f('uq_clients_account_id_accounting_code'))
    )
    op.create_index('ix_clients_list_created_at', 'clients', ['account_id', 'created_at', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_list_first_name', 'clients', ['account_id', 'sort_first_last', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_list_invoiced_orders', 'clients', ['account_id', 'invoiced_orders_count', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_list_last_invoiced_at', 'clients', ['account_id', sa.literal_column("coalesce(last_invoiced_at, '-infinity'::timestamptz)"), 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_list_last_name', 'clients', ['account_id', 'sort_last_first', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_list_total_invoiced', 'clients', ['account_id', 'invoiced_total_cents', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_tab_created_at', 'clients', ['account_id', 'status', 'created_at', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_tab_first_name', 'clients', ['account_id', 'status', 'sort_first_last', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_tab_invoiced_orders', 'clients', ['account_id', 'status', 'invoiced_orders_count', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_tab_last_invoiced_at', 'clients', ['account_id', 'status', sa.literal_column("coalesce(last_invoiced_at, '-infinity'::timestamptz)"), 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_tab_last_name', 'clients', ['account_id', 'status', 'sort_last_first', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_clients_tab_total_invoiced', 'clients', ['account_id', 'status', 'invoiced_total_cents', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
    op.create_table('client_tags',
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('tag_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_client_tags_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_client_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'tag_id', name=op.f('pk_client_tags'))
    )
    op.create_index(op.f('ix_client_tags_tag_id'), 'client_tags', ['tag_id'], unique=False)
    op.create_table('contacts',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=30), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('job_title', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('mobile', sa.String(length=30), nullable=True),
    sa.Column('receives_quotes', sa.Boolean(), nullable=False),
    sa.Column('receives_proforma', sa.Boolean(), nullable=False),
    sa.Column('receives_invoices', sa.Boolean(), nullable=False),
    sa.Column('receives_dunning', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_contacts_account_id_accounts')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_contacts_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    op.create_index(op.f('ix_contacts_client_id'), 'contacts', ['client_id'], unique=False)
    op.execute(notify_trigger_sql("clients")[0])
    op.execute(COUNT_TRIGGERS)


def downgrade() -> None:
    op.execute(DROP_COUNT_TRIGGERS)
    op.execute(notify_trigger_sql("clients")[1])
    op.drop_index(op.f('ix_contacts_client_id'), table_name='contacts')
    op.drop_table('contacts')
    op.drop_index(op.f('ix_client_tags_tag_id'), table_name='client_tags')
    op.drop_table('client_tags')
    op.drop_index('ix_clients_tab_total_invoiced', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_tab_last_name', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_tab_last_invoiced_at', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_tab_invoiced_orders', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_tab_first_name', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_tab_created_at', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_list_total_invoiced', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_list_last_name', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_list_last_invoiced_at', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_list_invoiced_orders', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_list_first_name', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_index('ix_clients_list_created_at', table_name='clients', postgresql_where=sa.text('deleted_at IS NULL'))
    op.drop_table('clients')
    op.drop_index(op.f('ix_tags_account_id'), table_name='tags')
    op.drop_table('tags')
    op.drop_index(op.f('ix_categories_account_id'), table_name='categories')
    op.drop_table('categories')
    op.drop_table('account_client_counts')
    op.drop_index('ix_outbox_pending', table_name='outbox', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_table('outbox')
    op.drop_table('inbox')
    op.drop_index('ix_client_invoices_client', table_name='client_invoices')
    op.drop_table('client_invoices')
    op.drop_table('accounts')
