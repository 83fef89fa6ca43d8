"""orders invoiced before order.invoiced existed are invoiced in the history too

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:00:00
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Invoicing used to publish only invoice.issued, so the copy of an invoiced order stayed draft or
    # confirmed. A live invoice is what said so then; order.invoiced says it from now on.
    op.execute("""
        UPDATE client_orders o SET state = 'invoiced'
        WHERE o.state IN ('draft', 'confirmed') AND EXISTS (
            SELECT 1 FROM client_invoices i
            WHERE i.account_id = o.account_id AND i.order_id = o.order_id
              AND i.issued_at IS NOT NULL AND i.cancelled_at IS NULL)
    """)


def downgrade() -> None:
    # The state before invoicing (draft or confirmed) was not kept: an invoiced order stays invoiced.
    pass
