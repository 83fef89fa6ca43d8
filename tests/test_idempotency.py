"""Idempotency-Key: a retry gets the first answer and changes nothing, in every service.

The process kill between commit and reply is in tests/test_idempotency_crash.py.
"""

from __future__ import annotations

import asyncio
import importlib
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from shared.events.clients import ClientErased, ClientErasedPayload
from shared.idempotency import HEADER
from shared.idempotency.retention import sweep_expired_keys
from tests.conftest import SERVICES, new_account
from tests.mailings_support import (  # noqa: F401  (fixtures)
    client_events,
    mail_account,
    mailings_api,
    mailings_app,
    smtp,
)
from tests.mailings_support import known_client as known_to_mailings
from tests.orders_support import (  # noqa: F401  (fixtures)
    catalogue,
    client_event,
    client_snapshot,
    known_to_orders,
    order,
    orders_account,
    orders_sql,
    published_client,
)
from tests.reminders_support import (  # noqa: F401  (fixtures)
    known_client,
    new_rem_account,
    rem_api,
    rem_sql,
    reminders_app,
    send_client_event,
)
from tests.support import eventually


def keyed(account, key: str) -> dict[str, str]:
    """The account's headers with an Idempotency-Key."""
    return {**account.headers, HEADER: key}


def new_key() -> str:
    """A fresh key, as a client would make one."""
    return str(uuid.uuid4())


async def outbox_count(orders_sql, routing_key: str, order_id: int) -> int:
    """How many events of a type the orders outbox holds for an order."""
    [(count,)] = await orders_sql(
        "SELECT count(*) FROM outbox WHERE routing_key = :k AND (body->'payload'->>'order_id')::bigint = :o",
        k=routing_key,
        o=order_id,
    )
    return count


async def test_a_retried_confirm_gets_the_first_answer_and_confirms_once(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    client_id = await published_client(orders_api, account)
    created = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "6"}])
    key = new_key()
    first = await orders_api.post(f"/api/orders/{created['id']}/confirm", headers=keyed(account, key))
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    again = await orders_api.post(f"/api/orders/{created['id']}/confirm", headers=keyed(account, key))
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content and again.headers["content-type"] == first.headers["content-type"]
    assert await outbox_count(orders_sql, "order.confirmed", created["id"]) == 1
    # Without the key, the second confirm is what it always was: a conflict, and still one event.
    unkeyed = await orders_api.post(f"/api/orders/{created['id']}/confirm", headers=account.headers)
    assert unkeyed.status_code == 409
    assert await outbox_count(orders_sql, "order.confirmed", created["id"]) == 1


async def test_a_retried_create_makes_one_order_with_the_first_answer(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    client_id = await published_client(orders_api, account)
    body = {"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": "6"}]}
    key = new_key()
    first = await orders_api.post("/api/orders", json=body, headers=keyed(account, key))
    # The same JSON written another way (key order, spacing) is the same request.
    reordered = b'{ "lines": [{"quantity": "6", "variant_id": %d}], "client_id": %d }' % (cat["bottle"], client_id)
    again = await orders_api.post(
        "/api/orders", content=reordered, headers={**keyed(account, key), "content-type": "application/json"}
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    [(orders,)] = await orders_sql("SELECT count(*) FROM orders WHERE account_id = :a", a=account.id)
    assert orders == 1


async def test_the_same_key_on_another_body_or_path_is_a_409_naming_the_header(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    client_id = await published_client(orders_api, account)
    key = new_key()
    body = {"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": "6"}]}
    assert (await orders_api.post("/api/orders", json=body, headers=keyed(account, key))).status_code == 201
    other_body = await orders_api.post(
        "/api/orders",
        headers=keyed(account, key),
        json={**body, "lines": [{"variant_id": cat["bottle"], "quantity": "7"}]},
    )
    assert other_body.status_code == 409, other_body.text
    assert other_body.headers["content-type"] == "application/problem+json"
    assert other_body.json()["errors"][0]["field"] == HEADER and HEADER in other_body.json()["detail"]
    [(order_id,)] = await orders_sql("SELECT id FROM orders WHERE account_id = :a", a=account.id)
    other_path = await orders_api.post(f"/api/orders/{order_id}/confirm", headers=keyed(account, key))
    assert other_path.status_code == 409 and other_path.json()["errors"][0]["field"] == HEADER
    [(orders, state)] = await orders_sql("SELECT count(*), min(state) FROM orders WHERE account_id = :a", a=account.id)
    assert (orders, state) == (1, "draft")


async def test_another_account_reusing_a_key_is_independent(orders_api, orders_sql):
    key = new_key()
    answers = []
    for account in (orders_account(), orders_account()):
        cat = await catalogue(orders_api, account)
        client_id = await published_client(orders_api, account)
        body = {"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": "6"}]}
        response = await orders_api.post("/api/orders", json=body, headers=keyed(account, key))
        assert response.status_code == 201 and "idempotent-replayed" not in response.headers
        answers.append((account, response.json()))
    (_first, first_order), (_second, second_order) = answers
    assert first_order["id"] != second_order["id"]
    for account, created in answers:
        [(orders,)] = await orders_sql("SELECT count(*) FROM orders WHERE account_id = :a", a=account.id)
        assert orders == 1
        fetched = await orders_api.get(f"/api/orders/{created['id']}", headers=account.headers)
        assert fetched.status_code == 200


@pytest.mark.parametrize("key", ["", "x" * 256, "a b", "tab\there", "\x7fdel", "clé-é"])
async def test_a_malformed_key_is_a_422_naming_the_header_and_changes_nothing(orders_api, orders_sql, key):
    account = orders_account()
    response = await orders_api.post(
        "/api/orders/containers",
        headers={**account.headers, HEADER: key.encode("utf-8")},
        json={"name": "Fût", "short_name": "fut", "millilitres": 225_000, "kind": "other"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [HEADER]
    [(containers,)] = await orders_sql(
        "SELECT count(*) FROM containers WHERE account_id = :a AND short_name = 'fut'", a=account.id
    )
    assert containers == 0


async def test_errors_are_not_kept_so_the_retry_runs_again(orders_api, orders_sql):
    """The orders service learns clients from events: a 404 now may be a 201 a moment later."""
    account = orders_account()
    cat = await catalogue(orders_api, account)
    client_id = 10**15 + uuid.uuid4().int % 10**9
    body = {"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": "6"}]}
    key = new_key()
    early = await orders_api.post("/api/orders", json=body, headers=keyed(account, key))
    assert early.status_code in (404, 422), early.text
    await client_event(account, "client.created", client_snapshot(client_id))
    await known_to_orders(orders_api, account, client_id)
    later = await orders_api.post("/api/orders", json=body, headers=keyed(account, key))
    assert later.status_code == 201 and "idempotent-replayed" not in later.headers
    replayed = await orders_api.post("/api/orders", json=body, headers=keyed(account, key))
    assert replayed.headers["idempotent-replayed"] == "true" and replayed.json() == later.json()


async def test_a_duplicate_while_the_first_runs_gets_a_409_then_the_first_answer(orders_app, orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    client_id = await published_client(orders_api, account)
    created = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "6"}])
    key = new_key()
    path = f"/api/orders/{created['id']}/confirm"
    # Hold the order's row so the first confirm waits inside its transaction, holding the key.
    async with orders_app.state.context.engine.connect() as holder:
        await holder.execute(text("SELECT 1 FROM orders WHERE id = :o FOR UPDATE"), {"o": created["id"]})
        first = asyncio.create_task(orders_api.post(path, headers=keyed(account, key)))

        async def waiting() -> bool:
            rows = await orders_sql(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%FROM orders%FOR UPDATE%'"
            )
            return bool(rows)

        await eventually(waiting)
        duplicate = await orders_api.post(path, headers=keyed(account, key))
        assert duplicate.status_code == 409 and duplicate.headers["retry-after"] == "1"
        assert duplicate.json()["errors"][0]["field"] == HEADER
        await holder.rollback()
    first_answer = await asyncio.wait_for(first, timeout=15)
    assert first_answer.status_code == 200 and first_answer.json()["state"] == "confirmed"
    after = await orders_api.post(path, headers=keyed(account, key))
    assert after.headers["idempotent-replayed"] == "true" and after.content == first_answer.content
    assert await outbox_count(orders_sql, "order.confirmed", created["id"]) == 1


async def age_key(app, account, key: str, age: timedelta) -> None:
    """Make a kept answer look older than it is."""
    async with app.state.context.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - CAST(:age AS interval) "
                "WHERE account_id = :a AND key = :k"
            ),
            {"age": age, "a": account.id, "k": key},
        )


async def test_keys_expire_after_24_hours_and_are_swept(orders_app, orders_api, orders_sql):
    account = orders_account()
    key, fresh_key = new_key(), new_key()
    container = {"name": "Fût", "short_name": "fut", "millilitres": 225_000, "kind": "other"}
    first = await orders_api.post("/api/orders/containers", json=container, headers=keyed(account, key))
    assert first.status_code == 201
    fresh = await orders_api.post(
        "/api/orders/containers", json={**container, "short_name": "fut2"}, headers=keyed(account, fresh_key)
    )
    assert fresh.status_code == 201
    await age_key(orders_app, account, key, timedelta(hours=24, seconds=1))
    # Past its retention a key is forgotten: the request runs for real (here: the code is taken).
    expired = await orders_api.post("/api/orders/containers", json=container, headers=keyed(account, key))
    assert expired.status_code == 409 and "idempotent-replayed" not in expired.headers
    await age_key(orders_app, account, key, timedelta(hours=25))
    context = orders_app.state.context
    await sweep_expired_keys(sessions=context.sessions, table=context.idempotency_keys)
    kept = await orders_sql("SELECT key FROM idempotency_keys WHERE account_id = :a", a=account.id)
    assert [k for (k,) in kept] == [fresh_key]


async def test_clients_creation_and_note_deletion_are_answered_once(api, clients_app, sql):
    account, other = await new_account(clients_app), await new_account(clients_app)
    key = new_key()
    body = {"company_name": "Cave des Chartrons"}
    first = await api.post("/api/clients", json=body, headers=keyed(account, key))
    again = await api.post("/api/clients", json=body, headers=keyed(account, key))
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    theirs = await api.post("/api/clients", json=body, headers=keyed(other, key))
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    mismatch = await api.post("/api/clients", json={"company_name": "Autre"}, headers=keyed(account, key))
    assert mismatch.status_code == 409 and mismatch.json()["errors"][0]["field"] == HEADER
    [(clients,)] = await sql("SELECT count(*) FROM clients WHERE account_id = :a", a=account.id)
    assert clients == 1
    client_id = first.json()["id"]
    note = (
        await api.post(f"/api/clients/{client_id}/notes", json={"text": "Rappeler"}, headers=account.headers)
    ).json()
    delete_key = new_key()
    deleted = await api.delete(f"/api/clients/{client_id}/notes/{note['id']}", headers=keyed(account, delete_key))
    retried = await api.delete(f"/api/clients/{client_id}/notes/{note['id']}", headers=keyed(account, delete_key))
    assert deleted.status_code == retried.status_code == 204 and retried.headers["idempotent-replayed"] == "true"
    assert (
        await api.delete(f"/api/clients/{client_id}/notes/{note['id']}", headers=account.headers)
    ).status_code == 404


async def test_reminders_creation_is_answered_once(rem_api, rem_sql):
    account, other = await new_rem_account(rem_api), await new_rem_account(rem_api)
    client_id = await known_client(rem_sql, account.id)
    body = {"client_id": client_id, "due_at": "2031-05-04T09:00:00Z", "text": "Relancer"}
    key = new_key()
    first = await rem_api.post("/api/reminders", json=body, headers=keyed(account, key))
    again = await rem_api.post("/api/reminders", json=body, headers=keyed(account, key))
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    mismatch = await rem_api.post("/api/reminders", json={**body, "text": "Autre"}, headers=keyed(account, key))
    assert mismatch.status_code == 409 and mismatch.json()["errors"][0]["field"] == HEADER
    [(reminders,)] = await rem_sql("SELECT count(*) FROM reminders WHERE account_id = :a", a=account.id)
    [(events,)] = await rem_sql(
        "SELECT count(*) FROM outbox WHERE account_id = :a AND routing_key = 'reminder.created'", a=account.id
    )
    assert reminders == events == 1
    other_client = await known_client(rem_sql, other.id)
    theirs = await rem_api.post("/api/reminders", json={**body, "client_id": other_client}, headers=keyed(other, key))
    assert theirs.status_code == 201 and "idempotent-replayed" not in theirs.headers


async def test_mailings_label_format_creation_is_answered_once(mailings_api, mailings_app):
    account, other = mail_account(), mail_account()
    body = {
        "code": "MAISON-3x8",
        "name": "Planche maison",
        "paper": "A4",
        "columns": 3,
        "rows": 8,
        "label_width_mm": 70,
        "label_height_mm": 36,
        "left_mm": 0,
        "top_mm": 4.5,
        "pitch_x_mm": 70,
        "pitch_y_mm": 36,
    }
    key = new_key()
    first = await mailings_api.post("/api/mailings/label-formats", json=body, headers=keyed(account, key))
    assert first.status_code == 201, first.text
    again = await mailings_api.post("/api/mailings/label-formats", json=body, headers=keyed(account, key))
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    unkeyed = await mailings_api.post("/api/mailings/label-formats", json=body, headers=account.headers)
    assert unkeyed.status_code == 409  # the code exists once: the retry did not create it again
    theirs = await mailings_api.post("/api/mailings/label-formats", json=body, headers=keyed(other, key))
    assert theirs.status_code == 201 and "idempotent-replayed" not in theirs.headers


# Not identity: its writes hand out tokens (a kept answer would give them again) or take a one-time secret.
@pytest.mark.parametrize("service", [s for s in SERVICES if s != "identity"])
def test_every_route_that_changes_something_documents_the_key(service):
    app = importlib.import_module(f"services.{service}.app").create_app()
    read_only = {
        ("post", "/api/clients/merge/preview"),
        ("post", "/api/clients/selection/addresses"),
        ("post", "/api/mailings/label-formats/{code}/test-grid"),
    }
    undocumented = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "patch", "delete") or (method, path) in read_only:
                continue
            headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
            if HEADER not in headers or "24 hours" not in headers[HEADER]["description"]:
                undocumented.append(f"{method.upper()} {path}")
            else:
                assert headers[HEADER]["schema"]["anyOf"][0]["maxLength"] == 255
    assert undocumented == []


# --- Erasure: a kept answer is a copy of the client's data, so it goes with the rest ---------------


async def kept_bodies(app, account) -> dict[str, bytes]:
    """The answers a service keeps for the account, by key."""
    async with app.state.context.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT key, body FROM idempotency_keys WHERE account_id = :a"), {"a": account.id}
        )
        return dict(rows.all())


def erased(client_id: int) -> dict:
    """The payload of client.erased."""
    return {"client_id": client_id, "version": 9, "pseudonym": f"ANONYME-{client_id}", "by_user": "tester"}


def told_erased(response) -> bool:
    """Whether a retry was refused because its kept answer went with an erased client."""
    return (
        response.status_code == 409
        and response.json()["errors"][0]["field"] == HEADER
        and "erased" in response.json()["detail"]
    )


async def blanked(app, account, key: str) -> bool:
    """Whether the kept answer under a key was emptied by an erasure."""
    return (await kept_bodies(app, account)).get(key) == b""


async def test_erasing_a_client_blanks_the_kept_answers_that_name_it_in_the_clients_service(api, clients_app, sql):
    account = await new_account(clients_app)
    created_key, note_key = new_key(), new_key()
    body = {"last_name": "Zorglub", "email": "zorglub@exemple.fr"}
    client = (await api.post("/api/clients", json=body, headers=keyed(account, created_key))).json()
    note = {"text": "Zorglub rappelle"}
    await api.post(f"/api/clients/{client['id']}/notes", json=note, headers=keyed(account, note_key))
    assert all(b"Zorglub" in kept for kept in (await kept_bodies(clients_app, account)).values())
    assert (await api.post(f"/api/clients/{client['id']}/erase", headers=account.headers)).status_code == 200
    assert set((await kept_bodies(clients_app, account)).values()) == {b""}
    assert told_erased(await api.post("/api/clients", json=body, headers=keyed(account, created_key)))
    assert told_erased(
        await api.post(f"/api/clients/{client['id']}/notes", json=note, headers=keyed(account, note_key))
    )
    [(clients,)] = await sql("SELECT count(*) FROM clients WHERE account_id = :a", a=account.id)
    assert clients == 1  # the retries ran nothing


async def test_client_erased_blanks_the_kept_answers_that_name_it_in_orders(orders_api, orders_app, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    erased_id = await published_client(orders_api, account, display_name="Zorglub")
    other_id = await published_client(orders_api, account)
    keys = {erased_id: new_key(), other_id: new_key()}
    bodies = {
        client_id: {"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": "1"}]}
        for client_id in keys
    }
    first = {}
    for client_id, key in keys.items():
        first[client_id] = await orders_api.post("/api/orders", json=bodies[client_id], headers=keyed(account, key))
        assert first[client_id].status_code == 201
    await client_event(account, "client.erased", erased(erased_id))
    await eventually(lambda: blanked(orders_app, account, keys[erased_id]))
    retried = await orders_api.post("/api/orders", json=bodies[erased_id], headers=keyed(account, keys[erased_id]))
    assert told_erased(retried)
    other = await orders_api.post("/api/orders", json=bodies[other_id], headers=keyed(account, keys[other_id]))
    assert other.headers["idempotent-replayed"] == "true" and other.content == first[other_id].content
    [(orders,)] = await orders_sql("SELECT count(*) FROM orders WHERE account_id = :a", a=account.id)
    assert orders == 2


async def test_client_erased_blanks_the_kept_answers_that_name_it_in_reminders(rem_api, rem_sql, reminders_app):
    account = await new_rem_account(rem_api)
    erased_id, other_id = await known_client(rem_sql, account.id), await known_client(rem_sql, account.id)
    keys = {erased_id: new_key(), other_id: new_key()}
    for client_id, key in keys.items():
        assert (
            await rem_api.post(
                "/api/reminders",
                headers=keyed(account, key),
                json={"client_id": client_id, "due_at": "2031-05-04T09:00:00Z", "text": "Rappeler Zorglub"},
            )
        ).status_code == 201
    await send_client_event(account.id, "client.erased", erased(erased_id))
    await eventually(lambda: blanked(reminders_app, account, keys[erased_id]))
    assert b"Zorglub" in (await kept_bodies(reminders_app, account))[keys[other_id]]


async def test_client_erased_blanks_the_kept_answers_that_name_it_in_mailings(
    mailings_api, mailings_app, client_events
):
    account = mail_account()
    keys = {10**12 + uuid.uuid4().int % 10**9: new_key() for _ in range(2)}
    erased_id, other_id = keys
    for client_id, key in keys.items():
        await known_to_mailings(mailings_app, client_events, account, client_id, email=f"c{client_id}@exemple.fr")
        assert (
            await mailings_api.post(
                "/api/mailings/emails",
                headers=keyed(account, key),
                json={
                    "client_id": client_id,
                    "subject": "Bonjour Zorglub",
                    "body": "Zorglub",
                    "recipients": [f"c{client_id}@exemple.fr"],
                },
            )
        ).status_code == 202
    await client_events.publish(ClientErased, account=account, payload=ClientErasedPayload(**erased(erased_id)))
    await eventually(lambda: blanked(mailings_app, account, keys[erased_id]))
    assert f"c{other_id}@exemple.fr".encode() in (await kept_bodies(mailings_app, account))[keys[other_id]]
