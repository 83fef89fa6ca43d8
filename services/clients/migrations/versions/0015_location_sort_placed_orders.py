"""the list sorts by location (country, postal code, city) with its two indexes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The expression of services.clients.models' LOCATION_KEY_SQL at this revision, as PostgreSQL prints it.
LOCATION_KEY = (
    "(CASE WHEN billing_postal_code IS NOT NULL OR search_city::text <> ''::text"
    " THEN (((('0'::text || billing_country::text) || ' '::text)"
    " || COALESCE(billing_postal_code, ''::character varying)::text) || ' '::text) || search_city::text"
    " ELSE '1'::text END)"
)
LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    key = sa.literal_column(LOCATION_KEY)
    op.create_index("ix_clients_list_location", "clients", ["account_id", key, "id"], postgresql_where=LIVE)
    op.create_index("ix_clients_tab_location", "clients", ["account_id", "status", key, "id"], postgresql_where=LIVE)


def downgrade() -> None:
    op.drop_index("ix_clients_tab_location", table_name="clients")
    op.drop_index("ix_clients_list_location", table_name="clients")
