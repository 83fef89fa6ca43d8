"""a company client's legal form, SIREN, SIRET and VAT number in the client replica, for its invoices

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (("legal_form", 50), ("siren", 9), ("siret", 14), ("vat_number", 16))


def upgrade() -> None:
    # Empty, as they are in the clients service when it gains them: setting them there is a new snapshot.
    for name, length in COLUMNS:
        op.add_column("client_replicas", sa.Column(name, sa.String(length), nullable=True))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("client_replicas", name)
