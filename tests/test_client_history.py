"""A client's orders history and timeline of interactions follow order events: any order, duplicates, tenancy."""

import uuid
from datetime import UTC, datetime, timedelta

from services.clients.models import inbox
from services.clients.read_model import service as read_model
from shared.consumer import apply_once
from shared.events.orders import ShipmentShipped
from tests.conftest import AMQP_URL, new_account
from tests.support import (
    container,
    eventually,
    invoice_cancelled,
    invoice_issued,
    invoice_issued_with_lines,
    order_payload,
    payment_received,
    product_line,
    publish_event,
    shipment_line,
    shipment_shipped,
)

JAN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NBSP = "\u00a0"
BOTTLE = container(11)
LINE = product_line(order_line_id=1, variant_id=401, container=BOTTLE, quantity="12", unit_price_cents=10_288)


async def _send(account, event_type, payload, event_id=None):
    return await publish_event(
        AMQP_URL,
        exchange="negoce.orders",
        event_type=event_type,
        account_id=account.id,
        payload=payload,
        event_id=event_id,
    )


async def _client(api, account, name):
    return (await api.post("/api/clients", json={"last_name": name}, headers=account.headers)).json()["id"]


async def _get(api, account, path, **params):
    response = await api.get(path, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _timeline(api, account, client_id):
    return (await _get(api, account, f"/api/clients/{client_id}/timeline", limit=200))["items"]


async def _entries(api, account, client_id, count):
    async def enough():
        items = await _timeline(api, account, client_id)
        return items if len(items) >= count else None

    return await eventually(enough)


async def _state(api, account, client_id, order_id, state):
    """Whether the client's history shows the order in that state."""
    items = (await _get(api, account, f"/api/clients/{client_id}/orders"))["items"]
    return any(o["order_id"] == order_id and o["state"] == state for o in items)


async def test_orders_history_pages_newest_first_with_invoice_facts(api, account):
    client_id = await _client(api, account, "Historique")
    other = await _client(api, account, "Autre payeur")
    base = client_id * 1_000
    for n in range(1, 6):
        await _send(
            account,
            "order.created",
            order_payload(
                order_id=base + n, client_id=client_id, created_at=JAN + timedelta(days=n), total_cents=n * 100
            ),
        )
    await _send(
        account,
        "order.cancelled",
        order_payload(
            order_id=base + 2,
            client_id=client_id,
            state="cancelled",
            version=2,
            created_at=JAN + timedelta(days=2),
            total_cents=200,
        ),
    )
    await _send(
        account,
        "invoice.issued",
        invoice_issued(
            client_id=client_id,
            invoice_id=base + 3,
            order_id=base + 3,
            total_cents=300,
            issued_at=JAN + timedelta(days=10),
        ),
    )
    await _send(
        account,
        "invoice.issued",
        invoice_issued(
            client_id=client_id,
            invoice_id=base + 4,
            order_id=base + 4,
            total_cents=400,
            issued_at=JAN + timedelta(days=11),
        ),
    )
    for n in (3, 4):  # invoicing moves the order on too (its timeline line is the invoice's)
        await _send(
            account,
            "order.invoiced",
            order_payload(
                order_id=base + n,
                client_id=client_id,
                state="invoiced",
                version=2,
                created_at=JAN + timedelta(days=n),
                total_cents=n * 100,
            ),
        )
    await _send(
        account,
        "invoice.cancelled",
        invoice_cancelled(
            client_id=client_id, invoice_id=base + 4, order_id=base + 4, cancelled_at=JAN + timedelta(days=12)
        ),
    )
    await _send(
        account,
        "order.cancelled",
        order_payload(
            order_id=base + 4,
            client_id=client_id,
            state="cancelled",
            version=3,
            created_at=JAN + timedelta(days=4),
            total_cents=400,
        ),
    )
    # Shipped to this client but billed to another: not in this client's history.
    await _send(
        account,
        "order.created",
        order_payload(
            order_id=base + 9,
            client_id=other,
            ship_to_client_id=client_id,
            created_at=JAN + timedelta(days=20),
            total_cents=900,
        ),
    )
    await _entries(api, account, client_id, 1 + 5 + 1 + 2 + 1 + 1)
    await _entries(api, account, other, 2)
    await eventually(lambda: _state(api, account, client_id, base + 3, "invoiced"))

    pages, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await _get(api, account, f"/api/clients/{client_id}/orders", **params)
        pages.append([o["order_id"] - base for o in page["items"]])
        if (cursor := page["next_cursor"]) is None:
            break
    assert pages == [[5, 4], [3, 2], [1]]
    orders = {o["order_id"] - base: o for o in (await _get(api, account, f"/api/clients/{client_id}/orders"))["items"]}
    assert orders[5] == {
        "order_id": base + 5,
        "number": f"C-{base + 5:06d}",
        "state": "draft",
        "cancelled": False,
        "created_at": "2026-01-10T09:00:00Z",
        "total_cents": 500,
        "currency": "EUR",
        "invoice": None,
        "link": f"/api/orders/{base + 5}",
    }
    assert orders[4]["state"] == "cancelled" and orders[4]["invoice"] == {
        "invoice_id": base + 4,
        "number": f"F-{base + 4:06d}",
        "issued_at": "2026-01-16T09:00:00Z",
        "cancelled": True,
    }
    assert orders[3]["state"] == "invoiced" and orders[3]["invoice"]["cancelled"] is False
    assert orders[2]["state"] == "cancelled" and orders[2]["cancelled"] is True
    assert (await _get(api, account, f"/api/clients/{client_id}"))["status"] == "client"
    assert [o["order_id"] - base for o in (await _get(api, account, f"/api/clients/{other}/orders"))["items"]] == [9]


async def test_order_events_out_of_order_converge_on_the_latest_version(api, account):
    client_id = await _client(api, account, "Désordre")
    order_id = client_id * 1_000 + 1
    fields = {"order_id": order_id, "client_id": client_id, "created_at": JAN, "total_cents": 5_000, "lines": [LINE]}
    await _send(account, "order.cancelled", order_payload(**fields, state="cancelled", version=3))
    await _send(account, "order.created", order_payload(**fields))
    await _send(account, "order.confirmed", order_payload(**fields, state="confirmed", version=2))
    # The goods and the invoice of another order arrive before the order itself.
    second = order_id + 1
    await _send(
        account,
        "shipment.shipped",
        shipment_shipped(
            shipment_id=second, order_id=second, client_id=client_id, shipped_at=JAN, lines=[shipment_line(LINE)]
        ),
    )
    await _send(
        account,
        "invoice.issued",
        invoice_issued_with_lines(client_id=client_id, invoice_id=second, order_id=second, issued_at=JAN, lines=[LINE]),
    )
    await _send(account, "order.invoiced", order_payload(**{**fields, "order_id": second}, state="invoiced", version=3))
    await _entries(api, account, client_id, 1 + 3 + 2)
    await _send(account, "order.created", order_payload(**{**fields, "order_id": second}, state="confirmed"))
    await _entries(api, account, client_id, 1 + 3 + 2 + 1)
    await eventually(lambda: _state(api, account, client_id, second, "invoiced"))

    orders = (await _get(api, account, f"/api/clients/{client_id}/orders"))["items"]
    by_id = {o["order_id"]: o for o in orders}
    assert by_id[order_id]["state"] == "cancelled"
    assert by_id[second]["state"] == "invoiced" and by_id[second]["invoice"]["number"] == f"F-{second:06d}"
    kinds = [e["kind"] for e in await _timeline(api, account, client_id)]
    assert sorted(kinds) == sorted(
        [
            "client.created",
            "order.created",
            "order.confirmed",
            "order.cancelled",
            "shipment.shipped",
            "invoice.issued",
            "order.created",
        ]
    )
    stats = await _get(
        api, account, f"/api/clients/{client_id}/statistics", **{"from": "2026-01-01", "to": "2026-01-31"}
    )
    assert stats["total"] == {"orders": 1, "revenue_cents": 123_456, "units": 12, "litres": 9}


async def test_each_kind_of_event_writes_its_timeline_entry(api, account):
    billed = await _client(api, account, "Payeur")
    ship_to = await _client(api, account, "Boutique")
    order_id = billed * 1_000
    fields = {
        "order_id": order_id,
        "client_id": billed,
        "ship_to_client_id": ship_to,
        "created_at": JAN,
        "total_cents": 123_456,
        "number": "C-000123",
        "lines": [LINE],
    }
    await _send(account, "order.created", order_payload(**fields))
    await _send(account, "order.confirmed", order_payload(**fields, version=2, state="confirmed"))
    await _send(
        account,
        "invoice.issued",
        invoice_issued_with_lines(
            client_id=billed,
            invoice_id=order_id,
            order_id=order_id,
            issued_at=JAN + timedelta(hours=1),
            number="F-000123",
            lines=[LINE],
        ),
    )
    await _send(
        account,
        "shipment.shipped",
        shipment_shipped(
            shipment_id=order_id,
            order_id=order_id,
            client_id=billed,
            ship_to_client_id=ship_to,
            shipped_at=JAN + timedelta(hours=2),
            lines=[shipment_line(LINE, "1.5")],
        ),
    )
    await _send(
        account,
        "payment.received",
        payment_received(
            payment_id=order_id,
            order_id=order_id,
            client_id=billed,
            amount_cents=100_000,
            paid_at=JAN + timedelta(hours=3),
        ),
    )
    await _send(
        account,
        "invoice.cancelled",
        invoice_cancelled(
            client_id=billed, invoice_id=order_id, order_id=order_id, cancelled_at=JAN + timedelta(hours=4)
        ),
    )
    await _send(account, "order.cancelled", order_payload(**fields, version=3, state="cancelled"))
    await _entries(api, account, billed, 8)
    await _entries(api, account, ship_to, 2)

    items = await _timeline(api, account, billed)
    amount = f"1{NBSP}234,56{NBSP}€"
    stamps = [datetime.fromisoformat(e["occurred_at"]) for e in items]
    assert stamps == sorted(stamps, reverse=True)
    assert {e["object_type"] for e in items} == {"client", "order", "invoice", "shipment", "payment"}
    texts = {e["kind"]: (e["text"], e["object_id"], e["amount_cents"]) for e in items}
    assert texts == {
        "client.created": ("Fiche client créée", billed, None),
        "order.created": (f"Commande C-000123 créée : {amount}", order_id, 123_456),
        "order.confirmed": (f"Commande C-000123 validée : {amount}", order_id, 123_456),
        "order.cancelled": (f"Commande C-000123 annulée : {amount}", order_id, 123_456),
        "invoice.issued": (f"Facture F-000123 émise : {amount}", order_id, 123_456),
        "invoice.cancelled": (f"Facture F-000123 annulée par l'avoir AV-{order_id:06d} : {amount}", order_id, 123_456),
        "shipment.shipped": (
            f"Expédition de la commande C-{order_id:06d} vers Boutique : 1,5 unité, 1,125{NBSP}L",
            order_id,
            None,
        ),
        "payment.received": (
            f"Paiement reçu pour la commande C-{order_id:06d} : 1{NBSP}000,00{NBSP}€",
            order_id,
            100_000,
        ),
    }
    received = {e["kind"]: e["text"] for e in await _timeline(api, account, ship_to)}
    assert received == {
        "client.created": "Fiche client créée",
        "shipment.shipped": f"Expédition de la commande C-{order_id:06d} : 1,5 unité, 1,125{NBSP}L",
    }

    pages, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = await _get(api, account, f"/api/clients/{billed}/timeline", **params)
        pages.append(page["items"])
        if (cursor := page["next_cursor"]) is None:
            break
    assert [len(p) for p in pages] == [3, 3, 2] and [e for p in pages for e in p] == items


async def test_a_credit_note_seen_before_its_invoice_is_completed_when_the_invoice_arrives(api, account):
    client_id = await _client(api, account, "Avoir")
    invoice = client_id * 1_000
    await _send(
        account,
        "invoice.cancelled",
        invoice_cancelled(client_id=client_id, invoice_id=invoice, order_id=invoice, cancelled_at=JAN),
    )
    [entry] = [e for e in await _entries(api, account, client_id, 2) if e["kind"] == "invoice.cancelled"]
    assert (entry["text"], entry["amount_cents"]) == (f"Facture annulée par l'avoir AV-{invoice:06d}", None)

    await _send(
        account,
        "invoice.issued",
        invoice_issued(
            client_id=client_id,
            invoice_id=invoice,
            order_id=invoice,
            total_cents=9_900,
            issued_at=JAN - timedelta(days=1),
        ),
    )
    items = await _entries(api, account, client_id, 3)
    [entry] = [e for e in items if e["kind"] == "invoice.cancelled"]
    assert (entry["text"], entry["amount_cents"]) == (
        f"Facture F-{invoice:06d} annulée par l'avoir AV-{invoice:06d} : 99,00{NBSP}€",
        9_900,
    )
    assert (await _get(api, account, f"/api/clients/{client_id}"))["status"] == "prospect"


async def test_an_event_delivered_three_times_has_one_effect(api, account, sql):
    billed = await _client(api, account, "Doublon")
    ship_to = await _client(api, account, "Doublon livré")
    shipment = shipment_shipped(
        shipment_id=billed * 1_000,
        order_id=billed * 1_000,
        client_id=billed,
        ship_to_client_id=ship_to,
        shipped_at=JAN,
        lines=[shipment_line(LINE)],
    )
    invoice = invoice_issued_with_lines(
        client_id=billed, invoice_id=billed * 1_000, order_id=billed * 1_000, issued_at=JAN, lines=[LINE]
    )
    shipment_id, invoice_id = uuid.uuid4(), uuid.uuid4()
    for _ in range(3):
        await _send(account, "shipment.shipped", shipment, event_id=shipment_id)
        await _send(account, "invoice.issued", invoice, event_id=invoice_id)
    # A later event on the same queues: once it is applied, the copies before it were delivered.
    await _send(account, "shipment.shipped", {**shipment, "shipment_id": billed * 1_000 + 1})
    await _send(
        account, "invoice.issued", {**invoice, "invoice_id": billed * 1_000 + 1, "invoice_number": "F-SENTINEL"}
    )
    await _entries(api, account, billed, 1 + 4)
    await _entries(api, account, ship_to, 1 + 2)

    assert len(await _timeline(api, account, billed)) == 5 and len(await _timeline(api, account, ship_to)) == 3
    [top] = (await _get(api, account, f"/api/clients/{ship_to}/top-products"))["items"]
    assert top["units"] == 24
    client = await _get(api, account, f"/api/clients/{billed}")
    assert client["invoiced_total_cents"] == 2 * 123_456
    [[lines]] = await sql("SELECT count(*) FROM client_invoice_lines WHERE account_id = :a", a=account.id)
    assert lines == 2


async def test_replaying_an_applied_event_under_another_consumer_adds_nothing(api, clients_app, account, sql):
    billed = await _client(api, account, "Rejeu")
    event = ShipmentShipped.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "type": "shipment.shipped",
            "occurred_at": JAN.isoformat(),
            "account_id": str(account.id),
            "payload": shipment_shipped(
                shipment_id=billed * 1_000,
                order_id=billed * 1_000,
                client_id=billed,
                shipped_at=JAN,
                lines=[shipment_line(LINE)],
            ),
        }
    )
    sessions = clients_app.state.context.sessions

    async def apply(session):
        await read_model.apply_events(session, [event])

    # Claimed in the inbox under each consumer's name, as the batch applier does, then applied by the handlers' path.
    applied = [
        await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=apply)
        for consumer in ("clients", "clients", "clients-replay")
    ]
    assert applied == [True, False, True]
    # The unique (source_event_id, client_id) and the per-line keys absorb the replay.
    [[entries, lines]] = await sql(
        "SELECT (SELECT count(*) FROM timeline_entries WHERE client_id = :c AND kind = 'shipment.shipped'),"
        " (SELECT count(*) FROM client_shipment_lines WHERE account_id = :a)",
        c=billed,
        a=account.id,
    )
    assert (entries, lines) == (1, 1)


async def test_another_accounts_events_add_nothing_to_history_or_timeline(api, clients_app, account, sql):
    client_id = await _client(api, account, "Confidentiel")
    stranger = await new_account(clients_app, "Stranger")
    own = await _client(api, stranger, "Client de l'autre")
    order = order_payload(order_id=client_id, client_id=client_id, created_at=JAN, total_cents=1_000)
    for event_type, payload in [
        ("order.created", order),
        (
            "payment.received",
            payment_received(
                payment_id=client_id, order_id=client_id, client_id=client_id, amount_cents=1_000, paid_at=JAN
            ),
        ),
        (
            "shipment.shipped",
            shipment_shipped(
                shipment_id=client_id,
                order_id=client_id,
                client_id=own,
                ship_to_client_id=client_id,
                shipped_at=JAN,
                lines=[shipment_line(LINE)],
            ),
        ),
        # Applied after the one above on the same queue: a sign the stranger's events were handled.
        (
            "payment.received",
            payment_received(payment_id=own, order_id=own, client_id=own, amount_cents=5, paid_at=JAN),
        ),
    ]:
        await publish_event(
            AMQP_URL, exchange="negoce.orders", event_type=event_type, account_id=stranger.id, payload=payload
        )
    await _entries(api, stranger, own, 3)
    await eventually(lambda: sql("SELECT 1 FROM client_orders WHERE account_id = :a", a=stranger.id))

    assert [e["kind"] for e in await _timeline(api, account, client_id)] == ["client.created"]
    assert (await _get(api, account, f"/api/clients/{client_id}/orders"))["items"] == []
    stranger_view = {e["kind"]: e["text"] for e in await _timeline(api, stranger, own)}
    # The stranger's own client learns of the shipment, with no name for a client it cannot see.
    assert stranger_view["shipment.shipped"] == f"Expédition de la commande C-{client_id:06d} : 12 unités, 9{NBSP}L"
