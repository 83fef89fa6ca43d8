"""An order shows its shipments and payments with their dates, and refuses dates that cannot be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.orders_support import catalogue, order, orders_account, orders_sql, published_client  # noqa: F401


async def confirmed_order(orders_api, *, quantity: str = "12") -> tuple:
    """An account, its ship-to client and a confirmed order billed to another client."""
    account = orders_account()
    cat = await catalogue(orders_api, account)
    billed = await published_client(orders_api, account, display_name="Payeur")
    receiver = await published_client(orders_api, account, display_name="Receveur")
    created = await order(
        orders_api, account, billed, [{"variant_id": cat["bottle"], "quantity": quantity}], ship_to_client_id=receiver
    )
    confirmed = await orders_api.post(f"/api/orders/{created['id']}/confirm", headers=account.headers)
    assert confirmed.status_code == 200
    return account, receiver, created


def at(moment: datetime) -> str:
    """A date as a client sends it, with its offset."""
    return moment.isoformat()


async def test_an_order_lists_its_shipments_and_payments_with_their_dates(orders_api):
    account, receiver, created = await confirmed_order(orders_api)
    order_id, line = created["id"], created["lines"][0]
    assert created["shipments"] == [] and created["payments"] == []
    created_at = datetime.fromisoformat(created["created_at"])
    shipped = await orders_api.post(
        f"/api/orders/{order_id}/shipments",
        headers=account.headers,
        json={"lines": [{"order_line_id": line["id"], "quantity": "5"}], "shipped_at": at(created_at)},
    )
    assert shipped.status_code == 201, shipped.text
    assert (
        await orders_api.post(f"/api/orders/{order_id}/shipments", json={}, headers=account.headers)
    ).status_code == 201
    # Recorded second but dated first: lists go by date.
    assert (
        await orders_api.post(
            f"/api/orders/{order_id}/payments", headers=account.headers, json={"amount_cents": 1_000, "method": "card"}
        )
    ).status_code == 201
    assert (
        await orders_api.post(
            f"/api/orders/{order_id}/payments",
            headers=account.headers,
            json={"amount_cents": 5_000, "method": "cheque", "paid_at": at(created_at)},
        )
    ).status_code == 201

    body = (await orders_api.get(f"/api/orders/{order_id}", headers=account.headers)).json()
    first, rest = body["shipments"]
    assert datetime.fromisoformat(first["shipped_at"]) == created_at
    assert datetime.fromisoformat(rest["shipped_at"]) > created_at
    assert first["ship_to_client_id"] == rest["ship_to_client_id"] == receiver
    assert [
        (x["order_line_id"], x["quantity"], x["product_name"], x["container_short_name"]) for x in first["lines"]
    ] == [(line["id"], "5.000", "Château Test rouge", "75 cl")]
    assert [x["quantity"] for x in rest["lines"]] == ["7.000"]
    cheque, card = body["payments"]
    assert (datetime.fromisoformat(cheque["paid_at"]), cheque["amount_cents"], cheque["method"]) == (
        created_at,
        5_000,
        "cheque",
    )
    assert datetime.fromisoformat(card["paid_at"]) > created_at
    assert (card["amount_cents"], card["method"]) == (1_000, "card")
    assert body["paid_cents"] == 6_000 and body["lines"][0]["shipped_quantity"] == "12.000"
    shipments = await orders_api.get(f"/api/orders/{order_id}/shipments", headers=account.headers)
    payments = await orders_api.get(f"/api/orders/{order_id}/payments", headers=account.headers)
    assert shipments.json() == body["shipments"] and payments.json() == body["payments"]
    stranger = orders_account()
    for part in ("shipments", "payments"):
        assert (await orders_api.get(f"/api/orders/{order_id}/{part}", headers=stranger.headers)).status_code == 404


# A naive date is refused too: which day it means depends on a time zone nobody gave.
BAD_DATES = {
    "before the order": lambda created: at(created - timedelta(seconds=1)),
    # Written at +14:00 its wall-clock time looks later than the order's, but the moment is earlier.
    "earlier, written at +14:00": lambda created: (
        (created - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=14))).isoformat()
    ),
    "more than a day ahead": lambda created: at(datetime.now(UTC) + timedelta(days=1, minutes=5)),
    "year 1": lambda created: "0001-01-01T00:00:00+14:00",
    "year 9999": lambda created: "9999-12-31T23:59:59-14:00",
    "without offset": lambda created: (created + timedelta(minutes=1)).replace(tzinfo=None).isoformat(),
}


@pytest.mark.parametrize("bad", BAD_DATES)
@pytest.mark.parametrize(
    ("part", "field", "body"),
    [
        ("shipments", "shipped_at", {}),
        ("payments", "paid_at", {"amount_cents": 1_000, "method": "transfer"}),
    ],
)
async def test_a_shipment_or_payment_dated_before_its_order_or_far_ahead_is_a_422_naming_the_field(
    orders_api, orders_sql, part, field, body, bad
):
    account, _, created = await confirmed_order(orders_api)
    date = BAD_DATES[bad](datetime.fromisoformat(created["created_at"]))
    response = await orders_api.post(
        f"/api/orders/{created['id']}/{part}", headers=account.headers, json={**body, field: date}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await orders_sql(f"SELECT 1 FROM {part} WHERE order_id = :o", o=created["id"]) == []
    assert (
        await orders_sql(
            "SELECT 1 FROM outbox WHERE routing_key IN ('shipment.shipped', 'payment.received') "
            "AND (body->'payload'->>'order_id')::bigint = :o",
            o=created["id"],
        )
        == []
    )


@pytest.mark.parametrize(
    ("part", "field", "body"),
    [
        ("shipments", "shipped_at", {}),
        ("payments", "paid_at", {"amount_cents": 1_000, "method": "transfer"}),
    ],
)
async def test_the_order_s_own_moment_and_later_today_are_accepted(orders_api, part, field, body):
    account, _, created = await confirmed_order(orders_api, quantity="1")
    created_at = datetime.fromisoformat(created["created_at"])
    response = await orders_api.post(
        f"/api/orders/{created['id']}/{part}", headers=account.headers, json={**body, field: at(created_at)}
    )
    assert response.status_code == 201, response.text
    [recorded] = response.json()[part]
    assert datetime.fromisoformat(recorded[field]) == created_at
    if part == "payments":
        tonight = await orders_api.post(
            f"/api/orders/{created['id']}/payments",
            headers=account.headers,
            json={**body, field: at(datetime.now(UTC) + timedelta(hours=20))},
        )
        assert tonight.status_code == 201, tonight.text
