"""the export line's UPDATE trigger skips statistics-only updates (the refresh formats those lines)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 11:45:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from services.clients.exports.lines import export_line_triggers_sql, table_columns

    # Lines stored so far are correct: only which updates fire the trigger changes.
    op.execute(export_line_triggers_sql(table_columns(op.get_bind())))


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER clients_export_line_on_update ON clients; DROP TRIGGER clients_export_line ON clients; "
        "CREATE TRIGGER clients_export_line BEFORE INSERT OR UPDATE ON clients FOR EACH ROW "
        "EXECUTE FUNCTION clients_export_line()"
    )
