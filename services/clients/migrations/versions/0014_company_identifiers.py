"""a company's legal form, SIREN, SIRET and intra-EU VAT number, which its invoices print and its export shows

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = (("legal_form", 50), ("siren", 9), ("siret", 14), ("vat_number", 16))


def upgrade() -> None:
    from services.clients.exports.lines import export_line_function_sql, export_line_triggers_sql, table_columns

    for name, length in COLUMNS:
        op.add_column("clients", sa.Column(name, sa.String(length), nullable=True))
    existing = table_columns(op.get_bind())
    # The export gains the four columns, and an edit of any of them formats the line again.
    op.execute(export_line_function_sql(existing))
    op.execute(export_line_triggers_sql(existing))
    op.execute("UPDATE clients SET export_line = NULL")  # the row trigger writes every line again


def downgrade() -> None:
    from services.clients.exports.lines import export_line_function_sql, export_line_triggers_sql, table_columns

    # The trigger's condition reads the columns: it goes first. Today's code writes the line, with the
    # four cells empty (the export's columns as they were are not known here).
    existing = table_columns(op.get_bind()) - {name for name, _ in COLUMNS}
    op.execute(export_line_triggers_sql(existing))
    op.execute(export_line_function_sql(existing))
    for name, _ in reversed(COLUMNS):
        op.drop_column("clients", name)
    op.execute("UPDATE clients SET export_line = NULL")
