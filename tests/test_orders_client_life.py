"""The orders service follows a client's merge, archiving and erasure from real client events."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from tests.orders_support import (
    applied,
    catalogue,
    client_event,
    client_snapshot,
    drained,
    order,
    orders_account,
    orders_sql,  # noqa: F401 (a fixture)
    published_client,
    seller_profile,
)

# Every row of the account that names a client or is a document, in a stable order.
STATE_QUERIES = {
    "orders": "SELECT id, number, client_id, ship_to_client_id, state, total_cents, created_at FROM orders "
    "WHERE account_id = :a ORDER BY id",
    "invoices": "SELECT id, order_id, number, total_cents, issued_at, credit_note_number, cancelled_at "
    "FROM invoices WHERE account_id = :a ORDER BY id",
    "shipments": "SELECT id, order_id, ship_to_client_id, shipped_at FROM shipments WHERE account_id = :a ORDER BY id",
    "payments": "SELECT id, order_id, amount_cents, paid_at FROM payments WHERE account_id = :a ORDER BY id",
    "reservations": "SELECT id, client_id, variant_id, quantity, remaining, status FROM reservations "
    "WHERE account_id = :a ORDER BY id",
    "negotiated": "SELECT client_id, variant_id, price_cents FROM negotiated_prices WHERE account_id = :a "
    "ORDER BY client_id, variant_id",
    "superseded": "SELECT merge_id, client_id, merged_client_id, variant_id, price_cents, kept_price_cents "
    "FROM superseded_prices WHERE account_id = :a ORDER BY merge_id, variant_id",
    "replicas": "SELECT client_id, merged_into, merge_id, archived, erased, display_name FROM client_replicas "
    "WHERE account_id = :a ORDER BY client_id",
    "outbox": "SELECT count(*) FROM outbox WHERE account_id = :a",
}


async def state(orders_sql, account) -> dict[str, list[tuple[Any, ...]]]:
    """What the orders database holds for the account, table by table."""
    return {
        name: [tuple(row) for row in await orders_sql(query, a=account.id)] for name, query in STATE_QUERIES.items()
    }


def merged_event(merge_id: int, kept: int, merged: int) -> dict[str, Any]:
    """Payload of a client.merged event."""
    return {
        "merge_id": merge_id,
        "kept_client_id": kept,
        "merged_client_id": merged,
        "kept_version": 9,
        "by_user": "tester",
    }


async def choices(orders_api, account, q: str) -> list[int]:
    """Ids the order picker offers for a search."""
    response = await orders_api.get("/api/orders/client-choices", params={"q": q}, headers=account.headers)
    return [c["client_id"] for c in response.json()]


async def attempt(orders_api, account, cat, client_id: int, **extra: Any):
    """Try to take a one-bottle order for a client."""
    return await orders_api.post(
        "/api/orders",
        headers=account.headers,
        json={"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": "1"}], **extra},
    )


async def history(orders_api, account, cat, *, kept: int, merged: int) -> None:
    """Prices, orders billed and shipped to both clients, an invoice, a credit note, payments, reservations."""
    h = account.headers
    await seller_profile(orders_api, account)
    for client_id, variant, price in (
        (kept, cat["bottle"], 900),
        (merged, cat["bottle"], 800),
        (merged, cat["magnum"], 3_000),
    ):
        answer = await orders_api.put(
            "/api/orders/negotiated-prices",
            headers=h,
            json={"client_id": client_id, "variant_id": variant, "price_cents": price},
        )
        assert answer.status_code == 200, answer.text
    billed_to_merged = await order(orders_api, account, merged, [{"variant_id": cat["bottle"], "quantity": "6"}])
    assert billed_to_merged["total_cents"] == 4_800  # the merged client's own price, before the merge
    for step in ("confirm", "invoice"):
        await orders_api.post(f"/api/orders/{billed_to_merged['id']}/{step}", headers=h)
    await orders_api.post(f"/api/orders/{billed_to_merged['id']}/shipments", json={}, headers=h)
    await orders_api.post(
        f"/api/orders/{billed_to_merged['id']}/payments", headers=h, json={"amount_cents": 2_000, "method": "cheque"}
    )
    shipped_to_merged = await order(
        orders_api, account, kept, [{"variant_id": cat["bottle"], "quantity": "2"}], ship_to_client_id=merged
    )
    await orders_api.post(f"/api/orders/{shipped_to_merged['id']}/confirm", headers=h)
    await orders_api.post(f"/api/orders/{shipped_to_merged['id']}/shipments", json={}, headers=h)
    credited = await order(orders_api, account, merged, [{"variant_id": cat["magnum"], "quantity": "1"}])
    await orders_api.post(f"/api/orders/{credited['id']}/invoice", headers=h)
    assert (await orders_api.post(f"/api/orders/{credited['id']}/credit-note", headers=h)).status_code == 200
    for client_id, variant in ((merged, cat["magnum"]), (kept, cat["bottle"])):
        answer = await orders_api.post(
            "/api/orders/reservations", headers=h, json={"client_id": client_id, "variant_id": variant, "quantity": "3"}
        )
        assert answer.status_code == 201, answer.text


def without_clients(rows: list[tuple[Any, ...]], *columns: int) -> list[tuple[Any, ...]]:
    """Rows without the columns that name a client."""
    return [tuple(value for index, value in enumerate(row) if index not in columns) for row in rows]


def totals_by_client(rows: list[tuple[Any, ...]]) -> dict[int, int]:
    """Invoiced-or-not order totals per billed client, from state()['orders'] rows."""
    totals: dict[int, int] = {}
    for _, _, client_id, _, _, total, _ in rows:
        totals[client_id] = totals.get(client_id, 0) + total
    return totals


async def test_a_merge_moves_every_reference_to_the_kept_client(orders_api, orders_sql, caplog):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    kept = await published_client(orders_api, account, display_name="Domaine Gardé")
    merged = await published_client(orders_api, account, display_name="Domaine Absorbé")
    await history(orders_api, account, cat, kept=kept, merged=merged)
    before = await state(orders_sql, account)
    merge_id = secrets.randbelow(10**9)
    await applied(orders_sql, await client_event(account, "client.merged", merged_event(merge_id, kept, merged)))
    after = await state(orders_sql, account)

    assert [(o[2], o[3]) for o in after["orders"]] == [(kept, kept)] * 3
    assert [s[2] for s in after["shipments"]] == [kept, kept]
    assert [r[1] for r in after["reservations"]] == [kept, kept]
    # Documents keep their numbers, amounts and dates; only the client they name changed.
    assert without_clients(after["orders"], 2, 3) == without_clients(before["orders"], 2, 3)
    assert without_clients(after["shipments"], 2) == without_clients(before["shipments"], 2)
    assert after["invoices"] == before["invoices"] and after["payments"] == before["payments"]
    assert totals_by_client(after["orders"]) == {kept: sum(totals_by_client(before["orders"]).values())}
    # The kept client's price wins the clash; the merged client's other price moves; the loser is kept aside.
    assert after["negotiated"] == [(kept, cat["bottle"], 900), (kept, cat["magnum"], 3_000)]
    assert after["superseded"] == [(merge_id, kept, merged, cat["bottle"], 800, 900)]
    assert [
        r.levelname
        for r in caplog.records
        if f"merge {merge_id}: client {merged}'s negotiated price 800" in r.getMessage()
    ] == ["WARNING"]
    aside = (
        await orders_api.get("/api/orders/superseded-prices", params={"client_id": kept}, headers=account.headers)
    ).json()
    assert [(p["merged_client_id"], p["variant_id"], p["price_cents"], p["kept_price_cents"]) for p in aside] == [
        (merged, cat["bottle"], 800, 900)
    ]
    assert after["outbox"] == before["outbox"]  # the clients service recomputes its read models itself
    assert [r[:3] for r in after["replicas"]] == sorted([(kept, None, None), (merged, kept, merge_id)])

    assert await choices(orders_api, account, "domaine") == [kept]
    for refused in (
        await attempt(orders_api, account, cat, merged),
        await attempt(orders_api, account, cat, kept, ship_to_client_id=merged),
        await orders_api.put(
            "/api/orders/negotiated-prices",
            headers=account.headers,
            json={"client_id": merged, "variant_id": cat["bottle"], "price_cents": 1},
        ),
    ):
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["reason"] == "client_merged" and body["kept_client_id"] == kept and str(kept) in body["detail"]
    again = await order(orders_api, account, kept, [{"variant_id": cat["magnum"], "quantity": "1"}])
    assert again["lines"][0]["price_rule"] == "negotiated" and again["total_cents"] == 3_000


async def test_orders_taken_while_the_merge_runs_all_end_on_the_kept_client(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    kept = await published_client(orders_api, account, display_name="Course Gardée")
    merged = await published_client(orders_api, account, display_name="Course Fondue")
    answers: list[int] = []
    merge_done = asyncio.Event()

    async def keep_ordering() -> None:
        while not merge_done.is_set():
            answers.append((await attempt(orders_api, account, cat, merged)).status_code)

    workers = [asyncio.create_task(keep_ordering()) for _ in range(6)]
    await asyncio.sleep(0.2)
    await applied(
        orders_sql, await client_event(account, "client.merged", merged_event(secrets.randbelow(10**9), kept, merged))
    )
    await asyncio.sleep(0.2)
    merge_done.set()
    await asyncio.gather(*workers)
    assert set(answers) == {201, 409}
    rows = await orders_sql(
        "SELECT client_id, count(*) FROM orders WHERE account_id = :a GROUP BY client_id", a=account.id
    )
    assert [tuple(row) for row in rows] == [(kept, answers.count(201))]


async def test_a_merge_delivered_twice_or_announced_twice_changes_nothing(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    kept = await published_client(orders_api, account, display_name="Cave Une")
    merged = await published_client(orders_api, account, display_name="Cave Deux")
    await history(orders_api, account, cat, kept=kept, merged=merged)
    merge_id = secrets.randbelow(10**9)
    first = await client_event(account, "client.merged", merged_event(merge_id, kept, merged))
    await client_event(account, "client.merged", merged_event(merge_id, kept, merged), event_id=first)
    await applied(orders_sql, first)
    await drained("orders.client.merged")
    once = await state(orders_sql, account)
    assert [o[2] for o in once["orders"]] == [kept] * 3 and len(once["superseded"]) == 1
    await applied(orders_sql, await client_event(account, "client.merged", merged_event(merge_id, kept, merged)))
    assert await state(orders_sql, account) == once


async def test_client_events_that_arrive_after_the_merge_do_not_bring_the_merged_client_back(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    kept = await published_client(orders_api, account, display_name="Maison Reste")
    merged = await published_client(orders_api, account, display_name="Maison Partie")
    await applied(
        orders_sql, await client_event(account, "client.merged", merged_event(secrets.randbelow(10**9), kept, merged))
    )
    for version in (1, 7):  # a stale edit, then one the clients service sent just before merging
        update = {**client_snapshot(merged, version=version, display_name="Maison Partie"), "changed_fields": ["note"]}
        await applied(orders_sql, await client_event(account, "client.updated", update))
    await applied(
        orders_sql,
        await client_event(account, "client.restored", {"client_id": merged, "version": 8, "by_user": "tester"}),
    )
    assert await choices(orders_api, account, "maison") == [kept]
    refused = await attempt(orders_api, account, cat, merged)
    assert refused.status_code == 409 and refused.json()["kept_client_id"] == kept

    # A merge that overtakes the merged client's creation: the late creation does not list it either.
    late = kept + 10**9
    await applied(
        orders_sql, await client_event(account, "client.merged", merged_event(secrets.randbelow(10**9), kept, late))
    )
    await applied(
        orders_sql, await client_event(account, "client.created", client_snapshot(late, display_name="Maison Tardive"))
    )
    assert await choices(orders_api, account, "maison") == [kept]
    assert (await attempt(orders_api, account, cat, late)).json()["reason"] == "client_merged"


async def test_a_merge_into_a_client_merged_since_follows_it(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    first, second, last = [await published_client(orders_api, account, display_name=f"Chaîne {n}") for n in "ABC"]
    stranded = await order(orders_api, account, first, [{"variant_id": cat["bottle"], "quantity": "1"}])
    m1, m2 = sorted(secrets.randbelow(10**9) for _ in range(2))
    # second was merged into last, and that event was applied before the older merge of first into second.
    await applied(orders_sql, await client_event(account, "client.merged", merged_event(m2, last, second)))
    await applied(orders_sql, await client_event(account, "client.merged", merged_event(m1, second, first)))
    moved = (await orders_api.get(f"/api/orders/{stranded['id']}", headers=account.headers)).json()
    assert moved["client_id"] == last and moved["ship_to_client_id"] == last
    assert (await attempt(orders_api, account, cat, first)).json()["kept_client_id"] == last


async def test_archived_clients_leave_the_picker_and_get_no_order_until_restored(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    client_id = await published_client(orders_api, account, display_name="Archivé Dubois")
    other = await published_client(orders_api, account, display_name="Voisin Dubois")

    def flag(version: int) -> dict[str, Any]:
        return {"client_id": client_id, "version": version, "by_user": "tester"}

    await applied(orders_sql, await client_event(account, "client.archived", flag(2)))
    assert await choices(orders_api, account, "dubois") == [other]
    for refused in (
        await attempt(orders_api, account, cat, client_id),
        await attempt(orders_api, account, cat, other, ship_to_client_id=client_id),
    ):
        assert refused.status_code == 409 and refused.json()["reason"] == "client_archived"
        assert "archived" in refused.json()["detail"]

    await applied(orders_sql, await client_event(account, "client.restored", flag(3)))
    await applied(orders_sql, await client_event(account, "client.archived", flag(2)))  # stale: ignored
    assert await choices(orders_api, account, "dubois") == [client_id, other]
    await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "1"}])

    archived_edit = {
        **client_snapshot(client_id, version=4, display_name="Archivé Dubois", archived=True),
        "changed_fields": ["archived"],
    }
    await applied(orders_sql, await client_event(account, "client.updated", archived_edit))
    assert await choices(orders_api, account, "dubois") == [other]
    # An archive that overtakes an older block must not lose the block once the client is restored.
    await applied(orders_sql, await client_event(account, "client.archived", flag(6)))
    await applied(orders_sql, await client_event(account, "client.blocked", {**flag(5), "reason": "Impayés"}))
    await applied(orders_sql, await client_event(account, "client.restored", flag(7)))
    assert (await attempt(orders_api, account, cat, client_id)).json()["reason"] == "client_blocked"
    assert await choices(orders_api, account, "dubois") == [other]


def personal_data(tag: str) -> dict[str, Any]:
    """Snapshot fields of a person, each carrying the tag so any copy left anywhere can be found."""
    return {
        "display_name": f"Hélène Perso{tag}",
        "first_name": f"Hélène{tag}",
        "last_name": f"Perso{tag}",
        "email": f"helene.{tag}@example.org",
        "phone": f"06 {tag}",
        "note": f"Digicode {tag}, chien méchant",
        "show_note_on_orders": True,
        "billing_address": {"line1": f"17 rue {tag}", "postal_code": "21999", "city": f"Vosne {tag}"},
        "shipping_address": {"line1": f"3 chemin {tag}", "postal_code": "21998", "city": f"Nuits {tag}"},
    }


async def test_an_erased_client_leaves_no_personal_data_and_keeps_its_documents(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    tag = f"zq{secrets.token_hex(4)}"  # never found in a uuid or a number by chance
    personal = personal_data(tag)
    client_id = await published_client(orders_api, account, **personal)
    absorbed = await published_client(
        orders_api, account, display_name=f"Ancien compte {tag}", note=f"Ancienne adresse {tag}"
    )
    await history(orders_api, account, cat, kept=client_id, merged=absorbed)
    await applied(
        orders_sql,
        await client_event(account, "client.merged", merged_event(secrets.randbelow(10**9), client_id, absorbed)),
    )
    banner = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "1"}])
    assert banner["banner"] == personal["note"]
    before = await state(orders_sql, account)

    pseudonym = f"Client effacé {secrets.token_hex(3)}"
    erased = {"client_id": client_id, "version": 5, "pseudonym": pseudonym, "by_user": "tester"}
    await applied(orders_sql, await client_event(account, "client.erased", erased))
    stale = {**client_snapshot(client_id, version=3, **personal), "changed_fields": ["note"]}
    await applied(orders_sql, await client_event(account, "client.updated", stale))

    tables = [
        t for (t,) in await orders_sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    ]
    assert {"client_replicas", "orders", "invoices", "shipments", "payments", "outbox"} <= set(tables)
    for table in tables:
        for (row,) in await orders_sql(f"SELECT row_to_json(t)::text FROM {table} t"):
            assert tag not in row, f"personal data left in {table}: {row}"
    [replica] = await orders_sql(
        "SELECT display_name, note, billing_address, shipping_address, erased "
        "FROM client_replicas WHERE client_id = :c",
        c=client_id,
    )
    assert tuple(replica) == (pseudonym, None, None, None, True)
    after = await state(orders_sql, account)
    for table in ("invoices", "payments", "shipments", "reservations", "negotiated", "orders", "outbox"):
        assert after[table] == before[table], table

    refused = await attempt(orders_api, account, cat, client_id)
    assert refused.status_code == 409 and refused.json()["reason"] == "client_erased"
    assert await choices(orders_api, account, "client efface") == []
    kept_order = (await orders_api.get(f"/api/orders/{banner['id']}", headers=account.headers)).json()
    assert kept_order["banner"] is None and kept_order["number"] == banner["number"]
    assert kept_order["total_cents"] == banner["total_cents"]


async def test_a_merge_into_a_client_erased_meanwhile_erases_what_the_merged_client_brings(orders_api, orders_sql):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    kept = await published_client(orders_api, account, display_name="Gardé Puis Effacé")
    merged = await published_client(
        orders_api, account, display_name="Apporte Zorglub", note="Note Zorglub", show_note_on_orders=True
    )
    brought = await order(orders_api, account, merged, [{"variant_id": cat["bottle"], "quantity": "1"}])
    assert brought["banner"] == "Note Zorglub"
    # The clients service merged, then erased; the erasure reached the orders service first.
    pseudonym = f"Client effacé {secrets.token_hex(3)}"
    await applied(
        orders_sql,
        await client_event(
            account, "client.erased", {"client_id": kept, "version": 4, "pseudonym": pseudonym, "by_user": "tester"}
        ),
    )
    await applied(
        orders_sql, await client_event(account, "client.merged", merged_event(secrets.randbelow(10**9), kept, merged))
    )
    rows = await orders_sql(
        "SELECT client_id, display_name, note, billing_address FROM client_replicas "
        "WHERE client_id IN (:k, :m) ORDER BY client_id",
        k=kept,
        m=merged,
    )
    assert [tuple(row) for row in rows] == [(kept, pseudonym, None, None), (merged, pseudonym, None, None)]
    moved = (await orders_api.get(f"/api/orders/{brought['id']}", headers=account.headers)).json()
    assert (moved["client_id"], moved["banner"], moved["number"]) == (kept, None, brought["number"])
