"""Merging clients and finding duplicates (issue 5), on the clients side, over the real broker."""

from datetime import UTC, datetime

from tests.conftest import AMQP_URL
from tests.support import EventTap, eventually, invoice_issued, order_payload, publish_event

JAN = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


async def _client(api, account, **fields):
    response = await api.post("/api/clients", json=fields, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _invoice(account, client_id, invoice_id, total_cents):
    await publish_event(
        AMQP_URL,
        exchange="negoce.orders",
        event_type="invoice.issued",
        account_id=account.id,
        payload=invoice_issued(
            client_id=client_id, invoice_id=invoice_id, order_id=invoice_id, total_cents=total_cents, issued_at=JAN
        ),
    )


async def _sheet(api, account, client_id):
    return (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()


async def _pair(api, account):
    tags = [
        (await api.post("/api/clients/tags", json={"name": n}, headers=account.headers)).json()["id"]
        for n in ("vip", "salon")
    ]
    kept = await _client(
        api,
        account,
        last_name="Dupont",
        first_name="Marie",
        email="marie@exemple.fr",
        tag_ids=[tags[0]],
        note="Client fidèle",
        accepts_emailing=True,
    )
    merged = await _client(
        api,
        account,
        last_name="Dupont",
        first_name="M.",
        email="m.dupont@exemple.fr",
        phone="05 56 00 00 00",
        tag_ids=tags,
        note="Livrer le matin",
        billing_address={"line1": "1 quai", "postal_code": "33000", "city": "Bordeaux"},
    )
    for client_id, email, flag in (
        (kept, "compta@exemple.fr", "receives_invoices"),
        (merged, "Compta@Exemple.fr ", "receives_dunning"),
        (merged, "cave@exemple.fr", "receives_quotes"),
    ):
        response = await api.post(
            f"/api/clients/{client_id}/contacts",
            headers=account.headers,
            json={"first_name": "Compta" if "compta" in email.lower() else "Cave", "email": email.strip(), flag: True},
        )
        assert response.status_code == 201, response.text
    return kept, merged, tags


async def test_preview_shows_each_field_conflicts_and_what_will_move_and_changes_nothing(api, account):
    kept, merged, _ = await _pair(api, account)
    await _invoice(account, merged, merged * 10, 2_500)
    await eventually(lambda: _status(api, account, merged, "client"))
    response = await api.post(
        "/api/clients/merge/preview", headers=account.headers, json={"kept_client_id": kept, "merged_client_id": merged}
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    fields = {f["field"]: f for f in preview["fields"]}
    assert fields["last_name"]["outcome"] == "same"
    assert fields["first_name"] == {
        "field": "first_name",
        "kept_value": "Marie",
        "merged_value": "M.",
        "result": "Marie",
        "outcome": "conflict",
        "chosen": None,
    }
    assert fields["phone"]["outcome"] == "filled" and fields["phone"]["result"] == "05 56 00 00 00"
    assert fields["billing_address"]["outcome"] == "filled"
    assert fields["note"]["result"] == "Client fidèle\n\nLivrer le matin"
    assert fields["accepts_emailing"]["outcome"] == "conflict"
    assert "email" in preview["conflicts"] and preview["unresolved"] == [] and preview["can_merge"] is True
    assert preview["moves"] == {
        "orders": 0,
        "invoices": 1,
        "shipments": 0,
        "notes": 0,
        "timeline_entries": 4,
        "contacts_moved": 1,
        "contacts_united": 1,
        "tags_added": 1,
    }
    assert (await _sheet(api, account, merged))["id"] == merged  # nothing changed


async def test_merge_fills_unites_moves_and_sums_and_is_idempotent(api, account, sql):
    kept, merged, tags = await _pair(api, account)
    await _invoice(account, kept, kept * 10, 10_000)
    await _invoice(account, merged, merged * 10, 2_500)
    await eventually(lambda: _status(api, account, merged, "client"))
    await eventually(lambda: _status(api, account, kept, "client"))
    await api.post(f"/api/clients/{merged}/notes", json={"text": "Préfère le blanc"}, headers=account.headers)
    async with EventTap(AMQP_URL, "negoce.clients", "client.*") as tap:
        response = await api.post(
            "/api/clients/merge",
            headers=account.headers,
            json={"kept_client_id": kept, "merged_client_id": merged, "choose": {"email": "merged"}},
        )
        assert response.status_code == 200, response.text
        await eventually(lambda: tap.bodies("client.merged") and tap.bodies("client.updated"))
    result = response.json()
    assert result["moves"]["invoices"] == 1 and result["moves"]["notes"] == 1
    merged_event = tap.bodies("client.merged")[0]["payload"]
    assert (merged_event["kept_client_id"], merged_event["merged_client_id"]) == (kept, merged)
    updated = tap.bodies("client.updated")[-1]["payload"]
    assert updated["client_id"] == kept and {c["email"] for c in updated["contacts"]} == {
        "compta@exemple.fr",
        "cave@exemple.fr",
    }

    sheet = await _sheet(api, account, kept)
    assert sheet["email"] == "m.dupont@exemple.fr" and sheet["first_name"] == "Marie"
    assert sheet["phone"] == "05 56 00 00 00" and sheet["billing_address"]["city"] == "Bordeaux"
    assert sheet["note"] == "Client fidèle\n\nLivrer le matin" and sheet["tag_ids"] == sorted(tags)
    assert sheet["invoiced_total_cents"] == 12_500 and sheet["invoiced_orders_count"] == 2
    compta = [c for c in sheet["contacts"] if c["email"] == "compta@exemple.fr"]
    assert len(compta) == 1 and compta[0]["receives_invoices"] and compta[0]["receives_dunning"]
    assert len(sheet["contacts"]) == 2
    notes = (await api.get(f"/api/clients/{kept}/notes", headers=account.headers)).json()["items"]
    assert [n["text"] for n in notes] == ["Préfère le blanc"]
    timeline = (await api.get(f"/api/clients/{kept}/timeline", headers=account.headers)).json()["items"]
    kinds = [e["kind"] for e in timeline]
    assert kinds.count("invoice.issued") == 2 and kinds.count("client.created") == 2 and "note.added" in kinds
    assert any(e["kind"] == "client.merged" and f"n° {merged}" in e["text"] for e in timeline)

    gone = await api.get(f"/api/clients/{merged}", headers=account.headers)
    assert gone.status_code == 404 and gone.json()["merged_into"] == kept
    assert gone.json()["kept_client"] == f"/api/clients/{kept}"
    listing = (await api.get("/api/clients", params={"q": "dupont"}, headers=account.headers)).json()
    assert [r["id"] for r in listing["items"]] == [kept]

    again = await api.post(
        "/api/clients/merge", headers=account.headers, json={"kept_client_id": kept, "merged_client_id": merged}
    )
    assert again.status_code == 200 and again.json()["merge_id"] == result["merge_id"]
    assert len(await sql("SELECT 1 FROM client_merges WHERE merged_client_id = :m", m=merged)) == 1
    third = await _client(api, account, last_name="Tiers")
    elsewhere = await api.post(
        "/api/clients/merge", headers=account.headers, json={"kept_client_id": third, "merged_client_id": merged}
    )
    assert elsewhere.status_code == 409 and elsewhere.json()["merged_into"] == kept


async def test_a_late_order_event_for_the_merged_client_counts_for_the_survivor(api, account):
    kept = await _client(api, account, last_name="Survivant")
    merged = await _client(api, account, last_name="Absorbé")
    chained = await _client(api, account, last_name="Ancien")
    assert (
        await api.post(
            "/api/clients/merge", headers=account.headers, json={"kept_client_id": merged, "merged_client_id": chained}
        )
    ).status_code == 200
    assert (
        await api.post(
            "/api/clients/merge", headers=account.headers, json={"kept_client_id": kept, "merged_client_id": merged}
        )
    ).status_code == 200
    # Published by the orders service before it applied client.merged: it still names the old ids.
    await publish_event(
        AMQP_URL,
        exchange="negoce.orders",
        event_type="order.created",
        account_id=account.id,
        payload=order_payload(order_id=merged * 10, client_id=merged, created_at=JAN, total_cents=3_000),
    )
    await _invoice(account, chained, chained * 10, 4_000)
    await eventually(lambda: _total(api, account, kept, 4_000))
    await eventually(lambda: _orders(api, account, kept, 1))
    gone = await api.get(f"/api/clients/{chained}", headers=account.headers)
    assert gone.status_code == 404 and gone.json()["merged_into"] == kept


async def test_unresolvable_conflicts_stop_the_merge_with_409_and_bad_requests_get_4xx(api, account):
    kept = await _client(api, account, last_name="Bloqué")
    merged = await _client(api, account, last_name="Libre")
    await api.post(f"/api/clients/{kept}/block", json={"reason": "Impayés"}, headers=account.headers)
    refused = await api.post(
        "/api/clients/merge", headers=account.headers, json={"kept_client_id": kept, "merged_client_id": merged}
    )
    assert refused.status_code == 409 and refused.json()["unresolved"] == ["blocked"]
    assert (await _sheet(api, account, merged))["id"] == merged
    ok = await api.post(
        "/api/clients/merge",
        headers=account.headers,
        json={"kept_client_id": kept, "merged_client_id": merged, "choose": {"blocked": "kept"}},
    )
    assert ok.status_code == 200 and (await _sheet(api, account, kept))["blocked"] is True

    other = await _client(api, account, last_name="Autre")
    for body, status, field in [
        ({"kept_client_id": other, "merged_client_id": other}, 422, "merged_client_id"),
        ({"kept_client_id": other}, 422, "merged_client_id"),
        ({"kept_client_id": other, "merged_client_id": 987654321}, 404, None),
        ({"kept_client_id": other, "merged_client_id": kept, "choose": {"accounting_code": "merged"}}, 422, "choose"),
        ({"kept_client_id": other, "merged_client_id": kept, "choose": {"email": "both"}}, 422, "choose"),
    ]:
        response = await api.post("/api/clients/merge", json=body, headers=account.headers)
        assert response.status_code == status, (body, response.text)
        if field:
            assert field in str(response.json()["errors"]), response.json()


async def test_duplicates_are_grouped_by_email_phone_and_name_with_postal_code(api, account):
    a = await _client(
        api,
        account,
        last_name="Lefèvre",
        email="Contact@Domaine.fr",
        phone="06 12 34 56 78",
        billing_address={"line1": "1 rue", "postal_code": "33000", "city": "Bordeaux"},
    )
    b = await _client(api, account, last_name="Domaine Lefevre", email="contact@domaine.fr ".strip())
    c = await _client(api, account, last_name="Autre", mobile="+33 6 12 34 56 78")
    d = await _client(
        api,
        account,
        last_name="LEFEVRE",
        billing_address={"line1": "2 rue", "postal_code": "33000", "city": "Bordeaux"},
    )
    await _client(
        api, account, last_name="Lefèvre", billing_address={"line1": "3 rue", "postal_code": "75001", "city": "Paris"}
    )
    response = await api.get("/api/clients/duplicates", headers=account.headers)
    assert response.status_code == 200, response.text
    groups = {(g["reason"], g["key"]): [c["id"] for c in g["clients"]] for g in response.json()["items"]}
    assert groups == {
        ("email", "contact@domaine.fr"): [a, b],
        ("phone", "0612345678"): [a, c],
        ("name_postal_code", "lefevre 33000"): [a, d],
    }
    only = (await api.get("/api/clients/duplicates", params={"by": "phone"}, headers=account.headers)).json()
    assert [g["reason"] for g in only["items"]] == ["phone"]
    bad = await api.get("/api/clients/duplicates", params={"by": "shoe size"}, headers=account.headers)
    assert bad.status_code == 422 and "by" in str(bad.json()["errors"])


async def _status(api, account, client_id, status):
    return (await _sheet(api, account, client_id))["status"] == status


async def _total(api, account, client_id, cents):
    return (await _sheet(api, account, client_id))["invoiced_total_cents"] == cents


async def _orders(api, account, client_id, count):
    return (await _sheet(api, account, client_id))["summary"]["orders_count"] == count


async def test_a_selections_addresses_come_page_by_page_for_paper_mailings(api, account):
    ids = [
        await _client(
            api,
            account,
            last_name=f"Adresse{i}",
            accepts_mailing=i != 1,
            billing_address={"line1": f"{i} rue du Port", "postal_code": "33000", "city": "Bordeaux"},
        )
        for i in range(3)
    ]
    other = await _client(api, account, last_name="Ailleurs")
    segment = (
        await api.post(
            "/api/clients/segments", headers=account.headers, json={"name": "Port", "search": {"q": "adresse"}}
        )
    ).json()
    for selection in ({"search": {"q": "adresse"}}, {"segment_id": segment["id"]}, {"client_ids": ids}):
        first = await api.post(
            "/api/clients/selection/addresses", headers=account.headers, json={"selection": selection, "limit": 2}
        )
        assert first.status_code == 200, first.text
        page = first.json()
        assert [r["client_id"] for r in page["items"]] == ids[:2] and page["next_after_id"] == ids[1]
        assert page["items"][1]["accepts_mailing"] is False
        assert page["items"][0]["address"] == {
            "line1": "0 rue du Port",
            "line2": None,
            "line3": None,
            "postal_code": "33000",
            "city": "Bordeaux",
            "country_code": "FR",
        }
        rest = (
            await api.post(
                "/api/clients/selection/addresses",
                headers=account.headers,
                json={"selection": selection, "after_id": page["next_after_id"], "limit": 2},
            )
        ).json()
        assert [r["client_id"] for r in rest["items"]] == ids[2:] and rest["next_after_id"] is None
    everyone = (await api.post("/api/clients/selection/addresses", headers=account.headers, json={})).json()
    assert [r["client_id"] for r in everyone["items"]] == [*ids, other]
    for body, field in [
        ({"selection": {"client_ids": [987654321]}}, "selection.client_ids"),
        ({"selection": {"search": {"q": "orders>>3"}}}, "q"),
        ({"limit": 5000}, "limit"),
    ]:
        response = await api.post("/api/clients/selection/addresses", headers=account.headers, json=body)
        assert response.status_code == 422 and field in str(response.json()["errors"]), response.text


async def test_preview_flags_only_real_conflicts_and_says_which_accounting_code_survives(api, account):
    kept = await _client(
        api,
        account,
        last_name="Martin",
        email="Helene.Martin@Exemple.fr",
        phone="06 12 34 56 78",
        accounting_code="411MARTIN",
        billing_address={"line1": "3 rue des Vignes", "postal_code": "33000", "city": "Bordeaux"},
    )
    merged = await _client(
        api,
        account,
        last_name="Martin",
        email=" helene.martin@exemple.fr",
        phone="+33 6 12 34 56 78",
        mobile="07.00.00.00.01",
        accounting_code="411MARTIN2",
        billing_address={"line1": "3 rue des vignes", "postal_code": "33000", "city": "BORDEAUX"},
        shipping_same_as_billing=False,
        shipping_address={"line1": "3 rue des Vignes", "postal_code": "33000", "city": "Bordeaux"},
    )
    response = await api.post(
        "/api/clients/merge/preview", headers=account.headers, json={"kept_client_id": kept, "merged_client_id": merged}
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    fields = {f["field"]: f for f in preview["fields"]}
    assert preview["conflicts"] == [], preview["conflicts"]
    for name in ("email", "phone", "billing_address", "shipping_address"):
        assert fields[name]["outcome"] == "same" and fields[name]["result"] == fields[name]["kept_value"], name
    assert fields["mobile"]["outcome"] == "filled"
    assert fields["accounting_code"]["outcome"] == "kept" and fields["accounting_code"]["result"] == "411MARTIN"
    assert preview["accounting_code"]["kept"] == "411MARTIN"
    assert preview["accounting_code"]["retired"] == "411MARTIN2"
    assert "411MARTIN2" in preview["accounting_code"]["explanation"]
    # A real difference is still one.
    other = await _client(api, account, last_name="Martin", email="autre@exemple.fr")
    response = await api.post(
        "/api/clients/merge/preview", headers=account.headers, json={"kept_client_id": kept, "merged_client_id": other}
    )
    assert response.json()["conflicts"] == ["email"]
