"""Each client's CSV line, kept ready on its row so that exporting a million clients formats nothing.

Formatting 39 cells for French Excel costs PostgreSQL about 30 µs a row: an export of the whole
base would run at 30,000 rows/s at best. The line is a pure function of the client row, its
category, its tags and its account's time zone, so a trigger computes it whenever one of those
changes (``clients_export_line``, created by migration 0005 from ``export_line_function_sql``),
and an export only reads it. ``tests/test_exports.py`` checks the stored function is the one this
code generates and that stored lines equal lines formatted on the fly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, cast, func, literal, literal_column, select
from sqlalchemy.dialects import postgresql

from services.clients.exports.columns import CLIENT_COLUMNS, CategoryRow, spreadsheet_cell
from services.clients.models import Account, Client

# A cell as COPY's CSV format writes it: quoted when it holds the separator, a quote or a line break.
CSV_FIELD_FUNCTION = r"""
CREATE OR REPLACE FUNCTION csv_field(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$body$ SELECT CASE WHEN value IS NULL THEN ''
                   WHEN value = '' OR value ~ '[;"\r\n]' THEN '"' || replace(value, '"', '""') || '"'
                   ELSE value END $body$;
"""


def client_line(timezone: Any) -> Any:
    """The client's CSV line (without its line break): every export column, formatted and quoted."""
    cells = [func.csv_field(cast(spreadsheet_cell(column, timezone), Text)) for column in CLIENT_COLUMNS]
    return func.concat_ws(literal(";"), *cells)


FROM_CLIENTS = "\nFROM clients LEFT OUTER JOIN categories AS category ON category.id = clients.category_id"


def export_line_function_sql() -> str:
    """The trigger function that stores each client's line (generated from the export's columns).

    The line is compiled as a query over ``clients`` (so the tags subquery correlates), whose FROM
    then reads the row being written instead of the table.
    """
    query = (
        select(client_line(literal_column("account.timezone")))
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
