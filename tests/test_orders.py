"""The orders service: catalogue, prices, orders, invoices, shipments, payments, reservations."""

import asyncio

import pytest

from tests.conftest import AMQP_URL, new_account
from tests.orders_support import catalogue, new_client, order, seller_profile
from tests.support import EventTap, eventually


async def test_containers_are_seeded_and_products_have_variants(orders_api, account):
    containers = (await orders_api.get("/api/orders/containers", headers=account.headers)).json()
    assert [c["millilitres"] for c in containers] == [375, 500, 750, 1500, 3000, 3000, 5000]
    assert {c["kind"] for c in containers} == {"bottle", "magnum", "bag-in-box"}
    bad = await orders_api.post(
        "/api/orders/products", headers=account.headers, json={"name": "X", "variants": [{"container_id": 999_999_999}]}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "variants.0.container_id"
    cat = await catalogue(orders_api, account)
    product = (await orders_api.get(f"/api/orders/products/{cat['product']}", headers=account.headers)).json()
    assert [v["container"]["short_name"] for v in product["variants"]] == ["75 cl", "150 cl"]


async def test_unit_price_follows_negotiated_then_client_grid_then_default(api, orders_api, account):
    cat = await catalogue(orders_api, account, default_price=1_000)
    pro = (
        await orders_api.post(
            "/api/orders/price-grids", json={"name": "Pro", "includes_tax": False}, headers=account.headers
        )
    ).json()
    await orders_api.put(
        f"/api/orders/price-grids/{pro['id']}/prices/{cat['bottle']}",
        json={"price_cents": 800},
        headers=account.headers,
    )
    plain = await new_client(api, orders_api, account, last_name="Plain")
    gridded = await new_client(api, orders_api, account, last_name="Gridded", price_grid_id=pro["id"])
    negotiated = await new_client(api, orders_api, account, last_name="Nego", price_grid_id=pro["id"])
    await orders_api.put(
        "/api/orders/negotiated-prices",
        headers=account.headers,
        json={"client_id": negotiated, "variant_id": cat["bottle"], "price_cents": 650},
    )
    line = [{"variant_id": cat["bottle"], "quantity": "6"}]
    rules = [(await order(orders_api, account, c, line))["lines"][0] for c in (plain, gridded, negotiated)]
    assert [(r["unit_price_cents"], r["price_rule"], r["line_total_cents"]) for r in rules] == [
        (1000, "default_grid", 6000),
        (800, "client_grid", 4800),
        (650, "negotiated", 3900),
    ]
    manual = await order(
        orders_api, account, plain, [{"variant_id": cat["magnum"], "quantity": "1.5", "unit_price_cents": 3333}]
    )
    assert manual["lines"][0]["price_rule"] == "manual" and manual["total_cents"] == 5000  # 4999.5 rounds up
    unpriced = await orders_api.post(
        "/api/orders",
        headers=account.headers,
        json={"client_id": plain, "lines": [{"variant_id": cat["magnum"], "quantity": "1"}]},
    )
    assert unpriced.status_code == 422 and unpriced.json()["errors"][0]["field"] == "lines.0.unit_price_cents"


async def test_blocked_clients_get_no_order_and_leave_the_picker(api, orders_api, account):
    cat = await catalogue(orders_api, account)
    client_id = await new_client(api, orders_api, account, last_name="Bloqué")

    def names():
        return orders_api.get("/api/orders/client-choices", params={"q": "bloque"}, headers=account.headers)

    assert [c["client_id"] for c in (await names()).json()] == [client_id]
    await api.post(f"/api/clients/{client_id}/block", json={"reason": "Impayés"}, headers=account.headers)

    async def hidden():
        return (await names()).json() == []

    await eventually(hidden)
    refused = await orders_api.post(
        "/api/orders",
        headers=account.headers,
        json={"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": "1"}]},
    )
    assert refused.status_code == 409 and refused.json()["reason"] == "client_blocked"
    await api.post(f"/api/clients/{client_id}/unblock", headers=account.headers)

    async def back():
        return (await names()).json() != []

    await eventually(back)
    await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "1"}])
    await api.delete(f"/api/clients/{client_id}", headers=account.headers)

    async def gone():
        response = await orders_api.post(
            "/api/orders",
            headers=account.headers,
            json={"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": "1"}]},
        )
        return response.status_code == 404

    await eventually(gone)
    assert (await names()).json() == []


async def test_a_flagged_note_is_the_banner_of_new_orders(api, orders_api, account):
    cat = await catalogue(orders_api, account)
    client_id = await new_client(api, orders_api, account, note="Livrer avant 10 h", show_note_on_orders=True)
    created = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "1"}])
    assert created["banner"] == "Livrer avant 10 h"
    await api.patch(f"/api/clients/{client_id}", json={"show_note_on_orders": False}, headers=account.headers)

    async def no_banner():
        body = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "1"}])
        return body["banner"] is None

    await eventually(no_banner)


async def test_invoice_numbers_are_sequential_without_gaps_under_concurrency(api, orders_api, orders_app, account):
    await seller_profile(orders_api, account)
    cat = await catalogue(orders_api, account)
    client_id = await new_client(api, orders_api, account)
    orders = [
        await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "1"}]) for _ in range(8)
    ]
    assert [o["number"] for o in orders] == [f"C-{n:06d}" for n in range(1, 9)]
    results = await asyncio.gather(
        *(orders_api.post(f"/api/orders/{o['id']}/invoice", headers=account.headers) for o in orders)
    )
    assert all(r.status_code == 200 for r in results)
    numbers = sorted(r.json()["invoice"]["number"] for r in results)
    assert numbers == [f"F-{n:06d}" for n in range(1, 9)]
    again = await orders_api.post(f"/api/orders/{orders[0]['id']}/invoice", headers=account.headers)
    assert again.status_code == 409


async def test_order_life_credit_note_shipments_and_payments(api, orders_api, account):
    await seller_profile(orders_api, account)
    cat = await catalogue(orders_api, account)
    billed = await new_client(api, orders_api, account, last_name="Payeur")
    receiver = await new_client(api, orders_api, account, last_name="Receveur")
    created = await order(
        orders_api, account, billed, [{"variant_id": cat["bottle"], "quantity": "12"}], ship_to_client_id=receiver
    )
    order_id = created["id"]
    line_id = created["lines"][0]["id"]
    assert created["ship_to_client_id"] == receiver and created["state"] == "draft"
    draft_ship = await orders_api.post(f"/api/orders/{order_id}/shipments", json={}, headers=account.headers)
    assert draft_ship.status_code == 409
    assert (await orders_api.post(f"/api/orders/{order_id}/confirm", headers=account.headers)).json()[
        "state"
    ] == "confirmed"
    reservation = (
        await orders_api.post(
            "/api/orders/reservations",
            headers=account.headers,
            json={"client_id": receiver, "variant_id": cat["bottle"], "quantity": "10"},
        )
    ).json()
    too_much = await orders_api.post(
        f"/api/orders/{order_id}/shipments",
        headers=account.headers,
        json={"lines": [{"order_line_id": line_id, "quantity": "13"}]},
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "lines.0.quantity"
    partial = (
        await orders_api.post(
            f"/api/orders/{order_id}/shipments",
            headers=account.headers,
            json={"lines": [{"order_line_id": line_id, "quantity": "5"}]},
        )
    ).json()
    assert partial["lines"][0]["shipped_quantity"] == "5.000"
    rest = (await orders_api.post(f"/api/orders/{order_id}/shipments", json={}, headers=account.headers)).json()
    assert rest["lines"][0]["shipped_quantity"] == "12.000"
    assert (
        await orders_api.post(f"/api/orders/{order_id}/shipments", json={}, headers=account.headers)
    ).status_code == 409
    [consumed] = (
        await orders_api.get("/api/orders/reservations", params={"client_id": receiver}, headers=account.headers)
    ).json()
    assert consumed["id"] == reservation["id"] and consumed["status"] == "consumed" and consumed["remaining"] == "0.000"
    invoiced = (await orders_api.post(f"/api/orders/{order_id}/invoice", headers=account.headers)).json()
    assert invoiced["state"] == "invoiced" and invoiced["invoice"]["total_cents"] == 15_000
    assert (await orders_api.post(f"/api/orders/{order_id}/cancel", headers=account.headers)).status_code == 409
    paid = (
        await orders_api.post(
            f"/api/orders/{order_id}/payments",
            headers=account.headers,
            json={"amount_cents": 5_000, "method": "cheque"},
        )
    ).json()
    assert paid["paid_cents"] == 5_000
    credited = (await orders_api.post(f"/api/orders/{order_id}/credit-note", headers=account.headers)).json()
    assert credited["state"] == "cancelled" and credited["invoice"]["credit_note_number"] == "AV-000001"
    late = await orders_api.post(
        f"/api/orders/{order_id}/payments", headers=account.headers, json={"amount_cents": 1, "method": "cash"}
    )
    assert late.status_code == 409


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"variant_id": 1, "quantity": "0"}], "lines.0.quantity"),
        ([{"variant_id": 1, "quantity": "-2"}], "lines.0.quantity"),
        ([{"variant_id": 1, "quantity": "1.0001"}], "lines.0.quantity"),
        ([{"variant_id": 1, "quantity": "1", "unit_price_cents": -5}], "lines.0.unit_price_cents"),
        ([], "lines"),
    ],
)
async def test_bad_order_lines_are_422(orders_api, account, lines, field):
    response = await orders_api.post("/api/orders", json={"client_id": 1, "lines": lines}, headers=account.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field


async def test_another_accounts_client_product_or_order_is_404(api, orders_api, clients_app, account):
    cat = await catalogue(orders_api, account)
    mine = await new_client(api, orders_api, account)
    created = await order(orders_api, account, mine, [{"variant_id": cat["bottle"], "quantity": "1"}])
    other = await new_account(clients_app, "Other")
    other_cat = await catalogue(orders_api, other)
    attempts = [
        orders_api.post(
            "/api/orders",
            headers=other.headers,
            json={"client_id": mine, "lines": [{"variant_id": other_cat["bottle"], "quantity": "1"}]},
        ),
        orders_api.get(f"/api/orders/{created['id']}", headers=other.headers),
        orders_api.post(f"/api/orders/{created['id']}/invoice", headers=other.headers),
        orders_api.get(f"/api/orders/products/{cat['product']}", headers=other.headers),
    ]
    for attempt in attempts:
        assert (await attempt).status_code == 404
    foreign_variant = await orders_api.post(
        "/api/orders",
        headers=account.headers,
        json={"client_id": mine, "lines": [{"variant_id": other_cat["bottle"], "quantity": "1"}]},
    )
    assert foreign_variant.status_code == 404
    assert (await orders_api.get(f"/api/orders/{created['id']}", headers=account.headers)).json()["state"] == "draft"


async def test_every_step_is_published_and_the_client_list_follows(api, orders_api, account):
    await seller_profile(orders_api, account)
    cat = await catalogue(orders_api, account)
    client_id = await new_client(api, orders_api, account, last_name="Suivi")
    async with EventTap(AMQP_URL, "negoce.orders") as tap:
        created = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "2"}])
        await orders_api.post(f"/api/orders/{created['id']}/confirm", headers=account.headers)
        await orders_api.post(f"/api/orders/{created['id']}/invoice", headers=account.headers)
        await orders_api.post(f"/api/orders/{created['id']}/shipments", json={}, headers=account.headers)
        await orders_api.post(
            f"/api/orders/{created['id']}/payments",
            json={"amount_cents": 2500, "method": "card"},
            headers=account.headers,
        )

        async def six():
            mine = [b for b in tap.bodies() if b["account_id"] == str(account.id)]
            return mine if len(mine) == 6 else None

        bodies = await eventually(six)
    assert [b["type"] for b in bodies] == [
        "order.created",
        "order.confirmed",
        "invoice.issued",
        "order.invoiced",
        "shipment.shipped",
        "payment.received",
    ]
    assert bodies[3]["payload"]["state"] == "invoiced" and bodies[3]["payload"]["version"] == 3
    shipped = bodies[4]["payload"]
    assert shipped["lines"][0]["container"]["millilitres"] == 750 and shipped["ship_to_client_id"] == client_id

    async def listed_as_client():
        row = (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()
        return row if row["status"] == "client" else None

    row = await eventually(listed_as_client)
    assert row["invoiced_total_cents"] == 2500 and row["last_invoiced_order"]["number"] == created["number"]


async def test_the_sheet_counts_as_open_only_orders_not_yet_invoiced(api, orders_api, account):
    await seller_profile(orders_api, account)
    cat = await catalogue(orders_api, account)
    client_id = await new_client(api, orders_api, account, last_name="Ouvert")
    created = [
        await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "1"}]) for _ in range(3)
    ]
    for step in ("confirm", "invoice"):
        for placed in created[:2]:
            response = await orders_api.post(f"/api/orders/{placed['id']}/{step}", headers=account.headers)
            assert response.status_code == 200, response.text
    await orders_api.post(f"/api/orders/{created[2]['id']}/confirm", headers=account.headers)

    async def counts():
        summary = (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()["summary"]
        return summary["orders_count"], summary["open_orders_count"], summary["invoiced_orders_count"]

    # Before order.invoiced existed the sheet settled on (3, 3, 2): waiting for (3, 1, 2) failed.
    await eventually(lambda: _equals(counts, (3, 1, 2)))
    history = (await api.get(f"/api/clients/{client_id}/orders", headers=account.headers)).json()["items"]
    assert sorted(item["state"] for item in history) == ["confirmed", "invoiced", "invoiced"]


async def _equals(read, expected):
    """Whether an async reading equals the expected value."""
    return await read() == expected
