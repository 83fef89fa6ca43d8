"""The client list follows hand-published order events over the real RabbitMQ: tabs (client or prospect) and the list's invoice columns."""

from datetime import UTC, datetime, timedelta

from tests.conftest import AMQP_URL, new_account
from tests.support import eventually, invoice_cancelled, invoice_issued, publish_event

JAN = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


async def _client(api, account, name="Lecture"):
    return (await api.post("/api/clients", json={"last_name": name}, headers=account.headers)).json()["id"]


async def _send(account, event_type, payload):
    await publish_event(
        AMQP_URL, exchange="negoce.orders", event_type=event_type, account_id=account.id, payload=payload
    )


async def _row(api, account, client_id):
    return (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()


async def _counts(api, account):
    counts = (await api.get("/api/clients", headers=account.headers)).json()["counts"]
    assert counts.pop("exact") is True
    return counts


async def test_first_invoice_makes_a_client_and_cancelling_every_invoice_a_prospect_again(api, account):
    client_id = await _client(api, account)
    base = client_id * 100
    await _send(
        account,
        "invoice.issued",
        invoice_issued(client_id=client_id, invoice_id=base + 1, order_id=base + 1, total_cents=45_000, issued_at=JAN),
    )
    row = await eventually(lambda: _status(api, account, client_id, "client"))
    assert row["invoiced_orders_count"] == 1 and row["invoiced_total_cents"] == 45_000
    assert row["last_invoiced_order"] == {
        "order_id": base + 1,
        "number": f"C-{base + 1:06d}",
        "invoiced_at": "2026-01-15T10:00:00Z",
    }
    assert await _counts(api, account) == {"all": 1, "clients": 1, "prospects": 0}

    await _send(
        account,
        "invoice.issued",
        invoice_issued(
            client_id=client_id,
            invoice_id=base + 2,
            order_id=base + 2,
            total_cents=5_005,
            issued_at=JAN + timedelta(days=30),
        ),
    )
    row = await eventually(lambda: _total(api, account, client_id, 50_005))
    assert row["last_invoiced_order"]["order_id"] == base + 2 and row["invoiced_orders_count"] == 2

    await _send(
        account,
        "invoice.cancelled",
        invoice_cancelled(client_id=client_id, invoice_id=base + 2, order_id=base + 2, cancelled_at=JAN),
    )
    row = await eventually(lambda: _total(api, account, client_id, 45_000))
    assert row["last_invoiced_order"]["order_id"] == base + 1 and row["status"] == "client"

    await _send(
        account,
        "invoice.cancelled",
        invoice_cancelled(client_id=client_id, invoice_id=base + 1, order_id=base + 1, cancelled_at=JAN),
    )
    row = await eventually(lambda: _status(api, account, client_id, "prospect"))
    assert row["invoiced_orders_count"] == 0 and row["invoiced_total_cents"] == 0
    assert row["last_invoiced_order"] is None
    assert await _counts(api, account) == {"all": 1, "clients": 0, "prospects": 1}


async def test_a_cancellation_arriving_before_its_invoice_still_wins(api, account, sql):
    client_id = await _client(api, account, "Désordre")
    invoice = client_id * 100 + 7
    await _send(
        account,
        "invoice.cancelled",
        invoice_cancelled(client_id=client_id, invoice_id=invoice, order_id=invoice, cancelled_at=JAN),
    )
    await _send(
        account,
        "invoice.issued",
        invoice_issued(client_id=client_id, invoice_id=invoice, order_id=invoice, total_cents=9_900, issued_at=JAN),
    )

    async def both_applied():
        rows = await sql("SELECT issued_at, cancelled_at FROM client_invoices WHERE invoice_id = :i", i=invoice)
        return rows and rows[0].issued_at and rows[0].cancelled_at

    await eventually(both_applied)
    row = await _row(api, account, client_id)
    assert row["status"] == "prospect" and row["invoiced_total_cents"] == 0


async def test_an_event_naming_another_accounts_client_changes_nothing(api, clients_app, account, sql):
    client_id = await _client(api, account, "Protégé")
    stranger = await new_account(clients_app, "Stranger")
    invoice = client_id * 100 + 9
    await publish_event(
        AMQP_URL,
        exchange="negoce.orders",
        event_type="invoice.issued",
        account_id=stranger.id,
        payload=invoice_issued(
            client_id=client_id, invoice_id=invoice, order_id=invoice, total_cents=1_000, issued_at=JAN
        ),
    )
    await eventually(lambda: sql("SELECT 1 FROM client_invoices WHERE invoice_id = :i", i=invoice))
    row = await _row(api, account, client_id)
    assert row["status"] == "prospect" and row["invoiced_total_cents"] == 0


async def _status(api, account, client_id, status):
    row = await _row(api, account, client_id)
    return row if row["status"] == status else None


async def _total(api, account, client_id, total):
    row = await _row(api, account, client_id)
    return row if row["invoiced_total_cents"] == total else None
