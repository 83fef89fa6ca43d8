"""the W3C traceparent of the request that wrote an event, so its trace goes on in the consumers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 11:45:00
"""

from shared.observability.migration import add_outbox_traceparent, drop_outbox_traceparent

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_traceparent()


def downgrade() -> None:
    drop_outbox_traceparent()
