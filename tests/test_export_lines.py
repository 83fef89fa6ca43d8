"""Each client's stored CSV line follows everything it shows (services.clients.exports.lines)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql

from services.clients.exports.columns import CategoryRow
from services.clients.exports.lines import (
    STATISTICS_COLUMNS,
    client_line,
    export_line_function_sql,
    fill_lines_sql,
    line_sensitive_columns,
)
from services.clients.models import Account, Client
from tests.conftest import AMQP_URL
from tests.support import eventually, invoice_issued, publish_event


def _on_the_fly(account_id) -> str:
    """Every client's line of the account formatted now, next to the stored one."""
    query = (
        select(Client.id, Client.export_line, client_line(Account.timezone).label("fresh"))
        .select_from(Client)
        .join(Account, Account.id == Client.account_id)
        .outerjoin(CategoryRow, CategoryRow.id == Client.category_id)
        .where(Client.account_id == account_id)
        .order_by(Client.id)
    )
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


async def _stale(sql, account) -> list:
    rows = await sql(_on_the_fly(account.id))
    assert rows, "the account has clients"
    return [(r.id, r.export_line, r.fresh) for r in rows if r.export_line != r.fresh]


async def test_the_stored_trigger_function_is_the_one_the_code_generates(sql):
    [(stored,)] = await sql("SELECT prosrc FROM pg_proc WHERE proname = 'clients_export_line'")
    generated = export_line_function_sql().split("$body$")[1]
    assert stored == generated, "export columns changed: add a migration that runs export_line_function_sql()"


async def test_the_update_trigger_watches_every_column_but_the_statistics(sql):
    [(definition,)] = await sql(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'clients_export_line_on_update'"
    )
    watched = set(line_sensitive_columns())
    for name in watched:
        assert f"new.{name}" in definition.lower(), (
            f"{name} added to clients: run export_line_triggers_sql() in a migration"
        )
    assert not any(f"new.{name}," in definition.lower() for name in STATISTICS_COLUMNS)


async def test_lines_follow_edits_tags_labels_time_zone_and_invoices(api, account, sql, clients_app):
    headers = account.headers

    async def execute(statement: str, **params: object) -> None:
        async with clients_app.state.context.engine.begin() as connection:
            await connection.execute(text(statement), params)

    vip = (await api.post("/api/clients/tags", json={"name": "vip"}, headers=headers)).json()["id"]
    pro = (await api.post("/api/clients/categories", json={"name": "Caviste"}, headers=headers)).json()["id"]
    client_id = (
        await api.post(
            "/api/clients",
            headers=headers,
            json={
                "last_name": "Ligne",
                "first_name": "=Formule",
                "note": 'Deux lignes\net "guillemets"; point-virgule',
                "tag_ids": [vip],
                "category_id": pro,
                "billing_address": {"line1": "1 rue", "postal_code": "01000", "city": "Bourg"},
            },
        )
    ).json()["id"]
    other = (await api.post("/api/clients", json={"company_name": "Sans rien"}, headers=headers)).json()["id"]
    assert await _stale(sql, account) == []
    [(line,)] = await sql("SELECT export_line FROM clients WHERE id = :c", c=client_id)
    assert ";'=Formule;" in line and '"Deux lignes\net ""guillemets""; point-virgule"' in line
    assert ';"=""01000""";' in line and ";Caviste;" in line and ";vip;" in line

    await api.patch(f"/api/clients/{client_id}", json={"email": "ligne@exemple.fr", "tag_ids": []}, headers=headers)
    await api.patch(f"/api/clients/{other}", json={"tag_ids": [vip]}, headers=headers)
    await execute("UPDATE tags SET name = 'très important' WHERE id = :t", t=vip)
    await execute("UPDATE categories SET name = 'Restaurant' WHERE id = :c", c=pro)
    await execute("UPDATE accounts SET timezone = 'Pacific/Auckland' WHERE id = :a", a=account.id)
    await publish_event(
        AMQP_URL,
        exchange="negoce.orders",
        event_type="invoice.issued",
        account_id=account.id,
        payload=invoice_issued(
            client_id=client_id,
            invoice_id=client_id * 10,
            order_id=client_id * 10,
            total_cents=123_456,
            issued_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        ),
    )

    async def invoiced() -> bool:
        rows = await sql("SELECT invoiced_total_cents FROM clients WHERE id = :c", c=client_id)
        return rows[0][0] == 123_456

    await eventually(invoiced)
    assert await _stale(sql, account) == []
    [(line,)] = await sql("SELECT export_line FROM clients WHERE id = :c", c=client_id)
    assert ";Restaurant;" in line and ";1234,56;02/03/2026;" in line  # Auckland is already on the 2nd
    [(line,)] = await sql("SELECT export_line FROM clients WHERE id = :c", c=other)
    assert ";très important;" in line
    await execute("DELETE FROM tags WHERE id = :t", t=vip)
    assert await _stale(sql, account) == []


async def test_a_bulk_fill_with_triggers_off_writes_the_same_lines(api, account, sql, clients_app):
    for name in ("Un", "Deux"):
        await api.post("/api/clients", json={"last_name": name, "note": "a;b"}, headers=account.headers)
    async with clients_app.state.context.engine.begin() as connection:
        await connection.execute(text("SET LOCAL session_replication_role = replica"))
        await connection.execute(text("UPDATE clients SET export_line = NULL WHERE account_id = :a"), {"a": account.id})
        await connection.execute(text(fill_lines_sql(account.id)))
    assert await _stale(sql, account) == []
