"""the list sorts by location (country, postal code, city) with its two indexes; clients count their orders placed;
a replica of the orders service's price grid names (the search's grid: takes a name)

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
    op.add_column("clients", sa.Column("placed_orders_count", sa.Integer(), server_default="0", nullable=False))
    # What the clients database already holds: each order at the latest state its events brought. The
    # export-line trigger of 0014 does not watch the new column, so no line is formatted again.
    op.execute("""
        UPDATE clients AS c
           SET placed_orders_count = o.placed
          FROM (SELECT account_id, client_id, count(*) AS placed
                  FROM client_orders
                 WHERE state IN ('confirmed', 'invoiced')
                 GROUP BY account_id, client_id) AS o
         WHERE c.account_id = o.account_id AND c.id = o.client_id
    """)
    op.create_index(
        "ix_clients_placed_orders_count", "clients", ["account_id", "placed_orders_count"], postgresql_where=LIVE
    )
    # Filled by price_grid.* events; the orders service's migration 0011 publishes its existing grids.
    op.create_table(
        "price_grid_names",
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("grid_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "grid_id", name=op.f("pk_price_grid_names")),
    )


def downgrade() -> None:
    op.drop_table("price_grid_names")
    op.drop_index("ix_clients_placed_orders_count", table_name="clients")
    op.drop_column("clients", "placed_orders_count")
    op.drop_index("ix_clients_tab_location", table_name="clients")
    op.drop_index("ix_clients_list_location", table_name="clients")
