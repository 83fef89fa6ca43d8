"""Merge and erase followed by every service, over the real broker and databases (issue 5, proof).

Two clients with orders, invoices, shipments, payments, reservations, negotiated prices,
reminders and e-mails are merged through the clients API; every service is then checked.
An erased client is then looked for in every service's database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.mailings_support import mailings_api, mailings_app, replica_row, send, settled, smtp  # noqa: F401
from tests.orders_support import catalogue, order
from tests.reminders_support import reminders_app, rem_api, smtp_sink  # noqa: F401
from tests.support import eventually


async def _known_everywhere(api, orders_api, rem_api, mailings_app, account, **fields: Any) -> int:
    """A client created in the clients service, once orders, reminders and mailings have its event."""
    response = await api.post("/api/clients", json=fields, headers=account.headers)
    assert response.status_code == 201, response.text
    client_id = response.json()["id"]

    async def known() -> bool:
        orders = await orders_api.get("/api/orders/negotiated-prices", params={"client_id": client_id},
                                      headers=account.headers)
        reminders = await rem_api.get("/api/reminders", params={"client_id": client_id}, headers=account.headers)
        return (orders.status_code == 200 and reminders.status_code == 200
                and await replica_row(mailings_app, account, client_id) is not None)

    await eventually(known)
    return client_id


async def _history(orders_api, rem_api, mailings_api, account, cat, client_id: int, quantity: str) -> dict[str, Any]:
    """An invoiced, shipped, paid order, a reservation, a negotiated price, a reminder and an e-mail."""
    await orders_api.put("/api/orders/negotiated-prices", headers=account.headers,
                         json={"client_id": client_id, "variant_id": cat["bottle"], "price_cents": 900})
    created = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": quantity}])
    for step in ("confirm", "shipments", "invoice"):
        response = await orders_api.post(f"/api/orders/{created['id']}/{step}", json={} if step == "shipments" else None,
                                         headers=account.headers)
        assert response.status_code in (200, 201), response.text
    paid = await orders_api.post(f"/api/orders/{created['id']}/payments", headers=account.headers,
                                 json={"amount_cents": 1_000, "method": "cheque"})
    assert paid.status_code == 201, paid.text
    reservation = await orders_api.post("/api/orders/reservations", headers=account.headers,
                                        json={"client_id": client_id, "variant_id": cat["magnum"], "quantity": "2"})
    assert reservation.status_code == 201, reservation.text
    reminder = await rem_api.post("/api/reminders", headers=account.headers, json={
        "client_id": client_id, "due_at": "2030-01-15T09:00:00+01:00", "text": f"Relancer {client_id}",
        "assigned_user": "tester"})
    assert reminder.status_code == 201, reminder.text
    email = await send(mailings_api, account, client_id=client_id, subject=f"Facture {client_id}",
                       body="Bonjour", recipients=[f"client{client_id}@exemple.fr"])
    await settled(mailings_api, account, email["id"], "sent")
    return {"order": created["id"], "total": created["total_cents"], "reminder": reminder.json()["id"],
            "email": email["id"], "reservation": reservation.json()["id"]}


async def test_a_merge_moves_everything_in_every_service_and_the_statistics_add_up(
        api, orders_api, rem_api, mailings_app, mailings_api, smtp, account):
    await rem_api.put("/api/reminders/users/tester", headers=account.headers,
                      json={"display_name": "Testeur", "email": "tester@exemple.fr"})
    cat = await catalogue(orders_api, account)
    kept = await _known_everywhere(api, orders_api, rem_api, mailings_app, account, last_name="Garde",
                                   email="garde@exemple.fr")
    merged = await _known_everywhere(api, orders_api, rem_api, mailings_app, account, last_name="Fusion",
                                     phone="05 56 00 00 00")
    first = await _history(orders_api, rem_api, mailings_api, account, cat, kept, "6")
    second = await _history(orders_api, rem_api, mailings_api, account, cat, merged, "12")

    async def invoiced(client_id: int, count: int) -> bool:
        sheet = (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()
        return sheet["invoiced_orders_count"] == count

    await eventually(lambda: invoiced(kept, 1))
    await eventually(lambda: invoiced(merged, 1))
    response = await api.post("/api/clients/merge", headers=account.headers,
                              json={"kept_client_id": kept, "merged_client_id": merged})
    assert response.status_code == 200, response.text

    sheet = (await api.get(f"/api/clients/{kept}", headers=account.headers)).json()
    assert sheet["invoiced_total_cents"] == first["total"] + second["total"]
    assert sheet["invoiced_orders_count"] == 2 and sheet["phone"] == "05 56 00 00 00"
    assert sheet["summary"]["orders_count"] == 2
    top = (await api.get(f"/api/clients/{kept}/top-products", headers=account.headers)).json()["items"]
    assert top[0]["units"] == 18

    async def orders_moved() -> bool:
        bodies = [(await orders_api.get(f"/api/orders/{o}", headers=account.headers)).json()
                  for o in (first["order"], second["order"])]
        return all(b["client_id"] == kept and b["ship_to_client_id"] == kept for b in bodies)

    await eventually(orders_moved)
    reservations = (await orders_api.get("/api/orders/reservations", params={"client_id": kept},
                                         headers=account.headers)).json()
    assert {r["id"] for r in reservations} == {first["reservation"], second["reservation"]}
    prices = (await orders_api.get("/api/orders/negotiated-prices", params={"client_id": kept},
                                   headers=account.headers)).json()
    assert [p["price_cents"] for p in prices] == [900]
    superseded = (await orders_api.get("/api/orders/superseded-prices", params={"client_id": kept},
                                       headers=account.headers)).json()
    assert len(superseded) == 1
    refused = await orders_api.post("/api/orders", headers=account.headers,
                                    json={"client_id": merged, "lines": [{"variant_id": cat["bottle"], "quantity": "1"}]})
    assert refused.status_code == 409

    async def reminders_moved() -> list[int] | None:
        items = (await rem_api.get("/api/reminders", params={"client_id": kept},
                                   headers=account.headers)).json()["items"]
        ids = sorted(r["id"] for r in items)
        return ids if len(ids) == 2 else None

    assert await eventually(reminders_moved) == sorted([first["reminder"], second["reminder"]])
    assert (await rem_api.post("/api/reminders", headers=account.headers, json={
        "client_id": merged, "due_at": "2030-01-15T09:00:00Z", "text": "x",
        "assigned_user": "tester"})).status_code == 409

    async def emails_moved() -> bool:
        items = (await mailings_api.get("/api/mailings/emails", params={"client_id": kept},
                                        headers=account.headers)).json()["items"]
        return {e["id"] for e in items} == {first["email"], second["email"]}

    await eventually(emails_moved)
    timeline = (await api.get(f"/api/clients/{kept}/timeline", params={"kind": ["email", "reminder", "merge"]},
                              headers=account.headers)).json()["items"]
    assert sorted(e["category"] for e in timeline) == ["email", "email", "merge", "reminder", "reminder"]
    gone = await api.get(f"/api/clients/{merged}", headers=account.headers)
    assert gone.status_code == 404 and gone.json()["merged_into"] == kept


async def test_an_erased_client_leaves_no_personal_data_in_any_service(
        api, orders_api, orders_app, rem_api, reminders_app, mailings_app, mailings_api, smtp, account, clients_app):
    await rem_api.put("/api/reminders/users/tester", headers=account.headers,
                      json={"display_name": "Testeur", "email": "tester@exemple.fr"})
    cat = await catalogue(orders_api, account)
    marker = "Zorglub"
    client_id = await _known_everywhere(api, orders_api, rem_api, mailings_app, account, last_name=marker,
                                        first_name=f"{marker}ette", email=f"{marker.lower()}@exemple.fr",
                                        note=f"Note {marker}", show_note_on_orders=True,
                                        billing_address={"line1": f"1 rue {marker}", "postal_code": "33000",
                                                         "city": "Bordeaux"})
    done = await _history(orders_api, rem_api, mailings_api, account, cat, client_id, "6")
    await rem_api.patch(f"/api/reminders/{done['reminder']}", headers=account.headers,
                        json={"text": f"Rappeler {marker}"})
    await send(mailings_api, account, client_id=client_id, subject=f"Bonjour {marker}", body=marker,
               recipients=[f"{marker.lower()}@exemple.fr"])
    response = await api.post(f"/api/clients/{client_id}/erase", headers=account.headers)
    assert response.status_code == 200, response.text

    async def personal_rows(app) -> list[str]:
        """Every column of every table of the service's database whose text contains the marker."""
        found = []
        async with app.state.context.engine.connect() as connection:
            tables = (await connection.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))).scalars().all()
            for table in tables:
                rows = await connection.execute(text(
                    f'SELECT t::text FROM "{table}" t WHERE t::text ILIKE :m'), {"m": f"%{marker}%"})
                found += [f"{table}: {row[0][:120]}" for row in rows]
        return found

    for app in (orders_app, reminders_app, mailings_app):
        async def clean(app=app) -> bool:
            return not await personal_rows(app)

        try:
            await eventually(clean, timeout=20)
        except AssertionError:
            raise AssertionError(await personal_rows(app)) from None
    # The relayed events about the client went with the rest (shared.outbox.forget_published_about_client).
    assert await personal_rows(clients_app) == []
    order_body = (await orders_api.get(f"/api/orders/{done['order']}", headers=account.headers)).json()
    assert order_body["total_cents"] == done["total"] and order_body["invoice"]["number"]
