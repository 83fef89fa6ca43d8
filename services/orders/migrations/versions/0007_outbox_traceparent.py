"""the W3C traceparent of the request that wrote an event, so its trace goes on in the consumers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:45:00
"""

from shared.observability.migration import add_outbox_traceparent, drop_outbox_traceparent

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_traceparent()


def downgrade() -> None:
    drop_outbox_traceparent()
