"""Each client's CSV line, kept ready on its row so that exporting a million clients formats nothing.

Formatting 39 cells for French Excel costs PostgreSQL about 30 µs a row: an export of the whole
base would run at 30,000 rows/s at best. The line is a pure function of the client row, its
category, its tags and its account's time zone, so a trigger computes it whenever one of those
changes (``clients_export_line``, created by migration 0005 from ``export_line_function_sql``),
and an export only reads it. ``tests/test_export_lines.py`` checks the stored function is the one
this code generates and that stored lines equal lines formatted on the fly.

The row trigger costs about 0.3 ms a row (a query per row), which was a third of what applying an
invoice event cost. So an UPDATE fires it only when the line may change for a reason other than
the statistics (``export_line_triggers_sql``); the statistics refresh, which rewrites the
invoice columns of up to 200 clients per batch of events, formats their lines itself in one
set-based statement (``REFRESH_LINES``: about 80 µs a row).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Text,
    bindparam,
    cast,
    func,
    inspect,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy import Column as TableColumn
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import visitors

from services.clients.exports.columns import CLIENT_COLUMNS, CategoryRow, spreadsheet_cell
from services.clients.exports.columns import Column as ExportColumn
from services.clients.models import Account, Client

# A cell as COPY's CSV format writes it: quoted when it holds the separator, a quote or a line break.
CSV_FIELD_FUNCTION = r"""
CREATE OR REPLACE FUNCTION csv_field(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$body$ SELECT CASE WHEN value IS NULL THEN ''
                   WHEN value = '' OR value ~ '[;"\r\n]' THEN '"' || replace(value, '"', '""') || '"'
                   ELSE value END $body$;
"""


def client_line(timezone: Any, *, missing: Collection[str] = ()) -> Any:
    """The client's CSV line (without its line break): every export column, formatted and quoted.

    A column that reads a ``missing`` column of ``clients`` is an empty cell (see ``table_columns``).
    """
    cells = [
        literal("")
        if missing and _reads(column) & set(missing)
        else func.csv_field(cast(spreadsheet_cell(column, timezone), Text))
        for column in CLIENT_COLUMNS
    ]
    return func.concat_ws(literal(";"), *cells)


def _reads(column: ExportColumn) -> set[str]:
    """The columns of ``clients`` an export column reads."""
    value = column.value()
    clause = value.__clause_element__() if hasattr(value, "__clause_element__") else value
    return {c.name for c in visitors.iterate(clause) if isinstance(c, TableColumn) and c.table is Client.__table__}


def table_columns(connection: Connection) -> set[str]:
    """The columns ``clients`` has in the database, which a migration's generated SQL may read.

    A migration generates the trigger SQL from today's code, which may name columns that a later
    revision adds: it passes the columns that exist at its own revision, so that it still runs.
    """
    return {c["name"] for c in inspect(connection).get_columns("clients")}


FROM_CLIENTS = "\nFROM clients LEFT OUTER JOIN categories AS category ON category.id = clients.category_id"


def export_line_function_sql(existing: Collection[str] | None = None) -> str:
    """The trigger function that stores each client's line (generated from the export's columns).

    The line is compiled as a query over ``clients`` (so the tags subquery correlates), whose FROM
    then reads the row being written instead of the table. ``existing``: see ``table_columns``.
    """
    missing = set() if existing is None else {c.name for c in Client.__table__.columns} - set(existing)
    query = (
        select(client_line(literal_column("account.timezone"), missing=missing))
        .select_from(Client)
        .outerjoin(CategoryRow, CategoryRow.id == Client.category_id)
    )
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    select_part, found, rest = sql.rpartition(FROM_CLIENTS)
    if not found or rest:
        raise RuntimeError("unexpected shape of the export line query")
    return f"""
CREATE OR REPLACE FUNCTION clients_export_line() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  {select_part} INTO NEW.export_line
    FROM (SELECT (NEW).*) AS clients
    JOIN accounts AS account ON account.id = clients.account_id
    LEFT JOIN categories AS category ON category.id = clients.category_id;
  RETURN NEW;
END $body$;
"""


def fill_lines_sql(account_id: Any) -> str:
    """One statement that (re)computes every line of an account, for bulk loads done with triggers off."""
    fresh = (
        select(Client.id, client_line(literal_column("account.timezone")).label("line"))
        .select_from(Client)
        .join(Account.__table__.alias("account"), literal_column("account.id") == Client.account_id)
        .outerjoin(CategoryRow, CategoryRow.id == Client.category_id)
        .where(Client.account_id == account_id)
    )
    inner = fresh.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return f"UPDATE clients SET export_line = fresh.line FROM ({inner}) AS fresh WHERE clients.id = fresh.id"


# Written only by the statistics refresh, which formats the lines of the rows it changes itself.
STATISTICS_COLUMNS = frozenset(
    {
        "status",
        "invoiced_orders_count",
        "invoiced_total_cents",
        "last_invoiced_at",
        "last_invoiced_order_id",
        "last_invoiced_order_number",
        "placed_orders_count",
    }
)


def line_sensitive_columns() -> list[str]:
    """The columns of ``clients`` whose change makes the UPDATE trigger format the line again."""
    return [c.name for c in Client.__table__.columns if c.name not in STATISTICS_COLUMNS | {"export_line"}]


def export_line_triggers_sql(existing: Collection[str] | None = None) -> str:
    """The two row triggers: every INSERT, and an UPDATE that changes anything but the statistics.

    A statement that sets export_line to NULL (the label, tag and time-zone triggers do) also asks
    for the line again. ``existing``: see ``table_columns``.
    """
    columns = [c for c in line_sensitive_columns() if existing is None or c in existing]
    new = ", ".join(f"NEW.{name}" for name in columns)
    old = ", ".join(f"OLD.{name}" for name in columns)
    return f"""
DROP TRIGGER IF EXISTS clients_export_line ON clients;
DROP TRIGGER IF EXISTS clients_export_line_on_update ON clients;
CREATE TRIGGER clients_export_line BEFORE INSERT ON clients
    FOR EACH ROW EXECUTE FUNCTION clients_export_line();
CREATE TRIGGER clients_export_line_on_update BEFORE UPDATE ON clients
    FOR EACH ROW WHEN (NEW.export_line IS NULL OR ({new}) IS DISTINCT FROM ({old}))
    EXECUTE FUNCTION clients_export_line();
"""


def _refresh_lines() -> Any:
    account = Account.__table__.alias("account")
    fresh = (
        select(Client.id, client_line(literal_column("account.timezone")).label("line"))
        .select_from(Client)
        .join(account, account.c.id == Client.account_id)
        .outerjoin(CategoryRow, CategoryRow.id == Client.category_id)
        .where(
            Client.account_id == bindparam("lines_account_id"),
            Client.id == func.any(bindparam("lines_client_ids", type_=ARRAY(BigInteger))),
        )
        .subquery("fresh")
    )
    return update(Client).values(export_line=fresh.c.line).where(Client.id == fresh.c.id)


# Formats the lines of some clients of an account in one statement (params: lines_account_id, lines_client_ids;
# not the column names, which an UPDATE reserves for its SET clause).
REFRESH_LINES = _refresh_lines()
