"""timeline entries name other clients by id, their names written in when read

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Lines written before this revision carry the other client's name in their text: they get its id
# and the placeholder instead, so an erasure or a rename of that client reaches them too.
MERGE_LINES = r"""
UPDATE timeline_entries
SET about_client_id = substring(text from '\(n° (\d+)\) fusionnée dans celle-ci')::bigint,
    text = regexp_replace(text, '^Fiche « .* » \(n° (\d+)\) fusionnée', 'Fiche « {client} » (n° \1) fusionnée')
WHERE kind = 'client.merged' AND about_client_id IS NULL
  AND text ~ '^Fiche « .* » \(n° \d+\) fusionnée dans celle-ci'
"""
SHIPMENT_LINES = r"""
UPDATE timeline_entries e
SET about_client_id = s.ship_to_client_id,
    text = regexp_replace(e.text, '^(Expédition de la commande \S+ vers ).*( : [^:]*)$', '\1{client}\2')
FROM (SELECT DISTINCT ON (account_id, shipment_id) account_id, shipment_id, ship_to_client_id
      FROM client_shipment_lines ORDER BY account_id, shipment_id) s
WHERE e.kind = 'shipment.shipped' AND e.object_type = 'shipment' AND e.about_client_id IS NULL
  AND s.account_id = e.account_id AND s.shipment_id = e.object_id AND e.client_id <> s.ship_to_client_id
  AND e.text ~ '^Expédition de la commande \S+ vers .* : [^:]*$'
"""
NAMES_BACK = """
UPDATE timeline_entries e
SET text = replace(e.text, '{client}', coalesce(c.company_name, trim(concat_ws(' ', c.first_name, c.last_name))))
FROM clients c WHERE c.account_id = e.account_id AND c.id = e.about_client_id
"""


def upgrade() -> None:
    op.add_column('timeline_entries', sa.Column('about_client_id', sa.BigInteger(), nullable=True))
    op.execute(MERGE_LINES)
    op.execute(SHIPMENT_LINES)


def downgrade() -> None:
    op.execute(NAMES_BACK)
    op.drop_column('timeline_entries', 'about_client_id')
