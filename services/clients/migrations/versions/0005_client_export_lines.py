"""each client's CSV export line, kept by triggers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 04:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Whatever a line shows besides the client row itself: its tags, its category's and tags' names,
# its account's time zone. Touching a client (any UPDATE) makes its row trigger recompute the line.
TOUCH_TRIGGERS = """
CREATE FUNCTION touch_clients_of_tag_links() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE clients SET export_line = NULL WHERE id IN (SELECT DISTINCT client_id FROM linked);
  ELSE
    UPDATE clients SET export_line = NULL WHERE id IN (SELECT DISTINCT client_id FROM unlinked);
  END IF;
  RETURN NULL;
END $body$;
CREATE TRIGGER client_tags_linked_export_line AFTER INSERT ON client_tags
  REFERENCING NEW TABLE AS linked FOR EACH STATEMENT EXECUTE FUNCTION touch_clients_of_tag_links();
CREATE TRIGGER client_tags_unlinked_export_line AFTER DELETE ON client_tags
  REFERENCING OLD TABLE AS unlinked FOR EACH STATEMENT EXECUTE FUNCTION touch_clients_of_tag_links();

CREATE FUNCTION touch_clients_of_renamed_label() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  IF TG_TABLE_NAME = 'tags' THEN
    UPDATE clients SET export_line = NULL WHERE id IN (SELECT client_id FROM client_tags WHERE tag_id = NEW.id);
  ELSE
    UPDATE clients SET export_line = NULL WHERE category_id = NEW.id;
  END IF;
  RETURN NULL;
END $body$;
CREATE TRIGGER tags_renamed_export_line AFTER UPDATE OF name ON tags FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION touch_clients_of_renamed_label();
CREATE TRIGGER categories_renamed_export_line AFTER UPDATE OF name ON categories FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION touch_clients_of_renamed_label();

CREATE FUNCTION touch_clients_of_account() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  UPDATE clients SET export_line = NULL WHERE account_id = NEW.id;
  RETURN NULL;
END $body$;
CREATE TRIGGER accounts_timezone_export_line AFTER UPDATE OF timezone ON accounts FOR EACH ROW
  WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION touch_clients_of_account();
"""


def upgrade() -> None:
    from services.clients.exports.lines import CSV_FIELD_FUNCTION, export_line_function_sql, table_columns

    op.add_column('clients', sa.Column('export_line', sa.Text(), nullable=True))
    op.execute(CSV_FIELD_FUNCTION)
    # Generated from the export's columns as they are at this revision; when they change, a new
    # revision runs CREATE OR REPLACE again (tests/test_exports.py checks the two agree).
    op.execute(export_line_function_sql(table_columns(op.get_bind())))
    op.execute("CREATE TRIGGER clients_export_line BEFORE INSERT OR UPDATE ON clients FOR EACH ROW "
               "EXECUTE FUNCTION clients_export_line()")
    op.execute(TOUCH_TRIGGERS)
    op.execute("UPDATE clients SET export_line = NULL")  # the row trigger fills every line


def downgrade() -> None:
    op.execute("""
DROP TRIGGER accounts_timezone_export_line ON accounts;
DROP TRIGGER categories_renamed_export_line ON categories;
DROP TRIGGER tags_renamed_export_line ON tags;
DROP TRIGGER client_tags_unlinked_export_line ON client_tags;
DROP TRIGGER client_tags_linked_export_line ON client_tags;
DROP TRIGGER clients_export_line ON clients;
DROP FUNCTION touch_clients_of_account(); DROP FUNCTION touch_clients_of_renamed_label();
DROP FUNCTION touch_clients_of_tag_links(); DROP FUNCTION clients_export_line(); DROP FUNCTION csv_field(text);
""")
    op.drop_column('clients', 'export_line')
