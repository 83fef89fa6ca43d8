"""price grids carry a version and are published: one price_grid.created per existing grid

The clients service keeps a replica of the grid names (its search's grid: takes a name). Grids
created before these events existed reach it through the outbox like any other event: this
migration writes one price_grid.created per grid, at version 1, which the relay publishes once the
service runs. The body is the envelope shared/events/orders.py's PriceGridCreated gives, written here
in SQL so that the migration does not change when the code does.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("price_grids", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    # One fresh event id per grid, used as the row id and in the body (a volatile subquery is not flattened).
    op.execute("""
        INSERT INTO outbox (id, account_id, routing_key, body)
        SELECT g.event_id, g.account_id, 'price_grid.created',
               jsonb_build_object(
                   'event_id', g.event_id,
                   'type', 'price_grid.created',
                   'schema_version', 1,
                   'occurred_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   'account_id', g.account_id,
                   'correlation_id', NULL,
                   'payload', jsonb_build_object('grid_id', g.id, 'name', g.name, 'version', g.version))
          FROM (SELECT gen_random_uuid() AS event_id, id, account_id, name, version FROM price_grids) AS g
         ORDER BY g.id
    """)


def downgrade() -> None:
    # Events already written stay: they may be published, and the replica only ever keeps names.
    op.drop_column("price_grids", "version")
