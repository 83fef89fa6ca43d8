"""client sheet: notes, merges, archive and erase, timeline categories, duplicate keys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 03:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# French phone numbers in any notation -> national digits ('+33 6 12…', '0033 6…', '06.12…' -> '0612…'),
# the same rule as services.clients.search.keys.phone_key, so duplicates are found by index.
PHONE_DIGITS = r"""
CREATE FUNCTION phone_digits(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
  SELECT CASE
    WHEN d = '' THEN NULL
    WHEN d LIKE '0033%' THEN '0' || substr(d, 5)
    WHEN d LIKE '33%' AND length(d) = 11 THEN '0' || substr(d, 3)
    ELSE d END
  FROM (SELECT regexp_replace(value, '\D', '', 'g') AS d) AS s
$$
"""

# Timeline kinds (event types) grouped the way the sheet filters them.
CATEGORY_OF_KIND = """
UPDATE timeline_entries SET category = CASE
  WHEN kind = 'client.created' THEN 'created'
  WHEN kind = 'client.updated' THEN 'edited'
  WHEN kind IN ('client.blocked', 'client.unblocked') THEN 'block'
  WHEN kind = 'client.merged' THEN 'merge'
  WHEN kind IN ('client.archived', 'client.restored') THEN 'archive'
  WHEN kind = 'client.erased' THEN 'erase'
  ELSE split_part(kind, '.', 1) END
"""


def upgrade() -> None:
    for column in (sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
                   sa.Column('archived_by', sa.String(length=100), nullable=True),
                   sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
                   sa.Column('merged_into_id', sa.BigInteger(), nullable=True)):
        op.add_column('clients', column)
    op.execute(PHONE_DIGITS)
    live = sa.text('deleted_at IS NULL')
    op.create_index('ix_clients_duplicate_email', 'clients', ['account_id', sa.text('lower(email)')],
                    postgresql_where=sa.text('deleted_at IS NULL AND email IS NOT NULL'))
    op.create_index('ix_clients_duplicate_phone', 'clients', ['account_id', sa.text('phone_digits(phone)')],
                    postgresql_where=sa.text('deleted_at IS NULL AND phone IS NOT NULL'))
    op.create_index('ix_clients_duplicate_mobile', 'clients', ['account_id', sa.text('phone_digits(mobile)')],
                    postgresql_where=sa.text('deleted_at IS NULL AND mobile IS NOT NULL'))
    op.create_index('ix_clients_duplicate_name', 'clients', ['account_id', 'sort_last_first', 'billing_postal_code'],
                    postgresql_where=live)
    op.create_index('ix_clients_merged_into', 'clients', ['merged_into_id'],
                    postgresql_where=sa.text('merged_into_id IS NOT NULL'))

    op.add_column('timeline_entries', sa.Column('category', sa.String(length=20), nullable=True))
    op.add_column('timeline_entries', sa.Column('link', sa.String(length=200), nullable=True))
    op.execute(CATEGORY_OF_KIND)
    op.execute("UPDATE timeline_entries SET link = '/api/orders/' || object_id WHERE object_type = 'order'")
    op.execute("UPDATE timeline_entries SET link = '/api/clients/' || client_id WHERE object_type = 'client'")
    op.alter_column('timeline_entries', 'category', nullable=False)
    op.create_index('ix_timeline_entries_category', 'timeline_entries',
                    ['account_id', 'client_id', 'category', 'occurred_at', 'id'])

    op.create_table(
        'client_notes',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('account_id', sa.UUID(), nullable=False),
        sa.Column('client_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('noted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('by_user', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint("kind IN ('comment', 'call', 'meeting')", name=op.f('ck_client_notes_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_client_notes')),
    )
    op.create_index('ix_client_notes_client', 'client_notes', ['account_id', 'client_id', 'noted_at'])
    op.create_table(
        'client_merges',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('account_id', sa.UUID(), nullable=False),
        sa.Column('kept_client_id', sa.BigInteger(), nullable=False),
        sa.Column('merged_client_id', sa.BigInteger(), nullable=False),
        sa.Column('by_user', sa.String(length=100), nullable=False),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_client_merges')),
        sa.UniqueConstraint('account_id', 'merged_client_id',
                            name=op.f('uq_client_merges_account_id_merged_client_id')),
    )


def downgrade() -> None:
    op.drop_table('client_merges')
    op.drop_index('ix_client_notes_client', table_name='client_notes')
    op.drop_table('client_notes')
    op.drop_index('ix_timeline_entries_category', table_name='timeline_entries')
    op.drop_column('timeline_entries', 'link')
    op.drop_column('timeline_entries', 'category')
    for name in ('merged_into', 'duplicate_name', 'duplicate_mobile', 'duplicate_phone', 'duplicate_email'):
        op.drop_index(f'ix_clients_{name}', table_name='clients')
    op.execute('DROP FUNCTION phone_digits(text)')
    for column in ('merged_into_id', 'erased_at', 'archived_by', 'archived_at'):
        op.drop_column('clients', column)
