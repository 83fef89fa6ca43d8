"""Cancelling a reservation: the stock is free again, once only, for its own account, never after delivery."""

from tests.conftest import AMQP_URL, new_account
from tests.orders_support import catalogue, new_client, order
from tests.support import EventTap, eventually


async def _reserve(orders_api, account, client_id: int, variant_id: int, quantity: str) -> dict:
    response = await orders_api.post(
        "/api/orders/reservations",
        headers=account.headers,
        json={"client_id": client_id, "variant_id": variant_id, "quantity": quantity},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _reservations(orders_api, account, client_id: int) -> dict[int, dict]:
    response = await orders_api.get(
        "/api/orders/reservations", params={"client_id": client_id}, headers=account.headers
    )
    return {booking["id"]: booking for booking in response.json()}


async def test_cancelling_frees_the_stock_and_a_shipment_no_longer_consumes_it(api, orders_api, account):
    cat = await catalogue(orders_api, account)
    client_id = await new_client(api, orders_api, account, last_name="Réservé")
    older = await _reserve(orders_api, account, client_id, cat["bottle"], "10")
    newer = await _reserve(orders_api, account, client_id, cat["bottle"], "4")
    async with EventTap(AMQP_URL, "negoce.orders") as tap:
        cancelled = await orders_api.post(f"/api/orders/reservations/{older['id']}/cancel", headers=account.headers)

        async def announced():
            mine = [b for b in tap.bodies() if b["type"] == "reservation.cancelled"]
            return mine[0] if mine else None

        event = await eventually(announced)
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["remaining"]) == ("cancelled", "0.000")
    assert event["payload"]["reservation_id"] == older["id"] and event["payload"]["remaining"] == "0.000"
    # Shipments consume the oldest active reservation first: had the cancelled one still held its 10 bottles,
    # these 3 would have come out of it.
    placed = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "3"}])
    await orders_api.post(f"/api/orders/{placed['id']}/confirm", headers=account.headers)
    shipped = await orders_api.post(f"/api/orders/{placed['id']}/shipments", json={}, headers=account.headers)
    assert shipped.status_code == 201, shipped.text
    bookings = await _reservations(orders_api, account, client_id)
    assert (bookings[older["id"]]["status"], bookings[older["id"]]["remaining"]) == ("cancelled", "0.000")
    assert (bookings[newer["id"]]["status"], bookings[newer["id"]]["remaining"]) == ("active", "1.000")


async def test_a_second_cancel_is_409_and_changes_nothing(api, orders_api, account):
    cat = await catalogue(orders_api, account)
    client_id = await new_client(api, orders_api, account)
    booking = await _reserve(orders_api, account, client_id, cat["bottle"], "6")
    first = await orders_api.post(f"/api/orders/reservations/{booking['id']}/cancel", headers=account.headers)
    second = await orders_api.post(f"/api/orders/reservations/{booking['id']}/cancel", headers=account.headers)
    assert first.status_code == 200 and second.status_code == 409
    assert second.headers["content-type"].startswith("application/problem+json")
    assert "cancelled" in second.json()["detail"]
    assert (await _reservations(orders_api, account, client_id))[booking["id"]]["status"] == "cancelled"


async def test_another_accounts_reservation_is_404_and_stays_active(api, orders_api, clients_app, account):
    cat = await catalogue(orders_api, account)
    client_id = await new_client(api, orders_api, account)
    booking = await _reserve(orders_api, account, client_id, cat["bottle"], "2")
    other = await new_account(clients_app, "Other")
    foreign = await orders_api.post(f"/api/orders/reservations/{booking['id']}/cancel", headers=other.headers)
    unknown = await orders_api.post("/api/orders/reservations/999999999/cancel", headers=account.headers)
    assert foreign.status_code == 404 and unknown.status_code == 404
    kept = (await _reservations(orders_api, account, client_id))[booking["id"]]
    assert (kept["status"], kept["remaining"]) == ("active", "2.000")


async def test_a_consumed_reservation_cannot_be_cancelled_but_a_partly_shipped_one_can(api, orders_api, account):
    cat = await catalogue(orders_api, account)
    client_id = await new_client(api, orders_api, account)
    consumed = await _reserve(orders_api, account, client_id, cat["bottle"], "2")
    partly = await _reserve(orders_api, account, client_id, cat["bottle"], "5")
    placed = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "3"}])
    await orders_api.post(f"/api/orders/{placed['id']}/confirm", headers=account.headers)
    assert (await orders_api.post(f"/api/orders/{placed['id']}/shipments", json={}, headers=account.headers)).is_success
    bookings = await _reservations(orders_api, account, client_id)
    assert (bookings[consumed["id"]]["status"], bookings[partly["id"]]["remaining"]) == ("consumed", "4.000")
    refused = await orders_api.post(f"/api/orders/reservations/{consumed['id']}/cancel", headers=account.headers)
    assert refused.status_code == 409 and "consumed" in refused.json()["detail"]
    freed = await orders_api.post(f"/api/orders/reservations/{partly['id']}/cancel", headers=account.headers)
    assert freed.status_code == 200 and (freed.json()["status"], freed.json()["remaining"]) == ("cancelled", "0.000")
    bookings = await _reservations(orders_api, account, client_id)
    assert (bookings[consumed["id"]]["status"], bookings[consumed["id"]]["remaining"]) == ("consumed", "0.000")
