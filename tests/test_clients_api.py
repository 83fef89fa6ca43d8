"""The client record: create, read, edit, block, delete; categories, tags and contacts."""

from tests.access_support import user_uuid
from tests.support import eventually

BORDEAUX = {"line1": "12 quai des Chartrons", "postal_code": "33000", "city": "Bordeaux"}


async def _labels(api, account, kind, *names):
    return [
        (await api.post(f"/api/clients/{kind}", json={"name": n}, headers=account.headers)).json()["id"] for n in names
    ]


async def test_create_person_with_every_field_and_read_it_back(api, account):
    [category] = await _labels(api, account, "categories", "Caviste")
    tags = await _labels(api, account, "tags", "vip", "salon")
    body = {
        "title": "Mme",
        "first_name": "Hélène",
        "last_name": "Dupré",
        "email": "helene@example.fr",
        "phone": "05 56 00 00 00",
        "mobile": "+33 6 12 34 56 78",
        "billing_address": BORDEAUX,
        "shipping_same_as_billing": False,
        "shipping_address": {"line1": "1 rue du Chai", "postal_code": "33330", "city": "Saint-Émilion"},
        "category_id": category,
        "price_grid_id": 7,
        "tag_ids": tags,
        "accepts_emailing": True,
        "accepts_mailing": False,
        "note": "Livrer le matin",
        "show_note_on_orders": True,
    }
    response = await api.post("/api/clients", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    fetched = (await api.get(f"/api/clients/{created['id']}", headers=account.headers)).json()
    assert {k: v for k, v in fetched.items() if k not in ("contacts", "summary")} == created
    assert fetched["contacts"] == [] and fetched["summary"]["orders_count"] == 0
    assert fetched["kind"] == "person" and fetched["display_name"] == "Hélène Dupré"
    assert fetched["billing_address"] == {**BORDEAUX, "line2": None, "line3": None, "country_code": "FR"}
    assert fetched["shipping_address"]["city"] == "Saint-Émilion"
    assert fetched["tag_ids"] == sorted(tags) and fetched["category_id"] == category
    assert fetched["accounting_code"] == "411DUPREHEL"
    assert fetched["status"] == "prospect" and fetched["invoiced_orders_count"] == 0
    assert fetched["last_invoiced_order"] is None


async def test_company_is_inferred_and_shipping_defaults_to_billing(api, account):
    created = (
        await api.post(
            "/api/clients",
            json={"company_name": "Château Margaux", "billing_address": BORDEAUX},
            headers=account.headers,
        )
    ).json()
    assert created["kind"] == "company" and created["display_name"] == "Château Margaux"
    assert created["shipping_same_as_billing"] is True
    assert created["shipping_address"] == created["billing_address"]
    assert created["accounting_code"] == "411CHATEAUM"


async def test_generated_accounting_codes_are_unique_and_a_given_duplicate_is_409(api, account):
    codes = [
        (
            await api.post("/api/clients", json={"last_name": "Martin", "first_name": "Léa"}, headers=account.headers)
        ).json()["accounting_code"]
        for _ in range(3)
    ]
    assert codes == ["411MARTINLE", "411MARTINLE2", "411MARTINLE3"]
    clash = await api.post(
        "/api/clients", json={"last_name": "Other", "accounting_code": "411martinle"}, headers=account.headers
    )
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["field"] == "accounting_code"
    prefix = await api.patch("/api/clients/settings", json={"accounting_prefix": "C"}, headers=account.headers)
    assert prefix.json()["accounting_prefix"] == "C"
    assert (await api.post("/api/clients", json={"last_name": "Roy"}, headers=account.headers)).json()[
        "accounting_code"
    ] == "CROY"


async def test_update_changes_only_given_fields_and_publishes_what_changed(api, account, sql):
    created = (
        await api.post("/api/clients", json={"last_name": "Petit", "note": "old"}, headers=account.headers)
    ).json()
    response = await api.patch(
        f"/api/clients/{created['id']}", json={"email": "petit@example.fr", "note": None}, headers=account.headers
    )
    updated = response.json()
    assert response.status_code == 200
    assert updated["email"] == "petit@example.fr" and updated["note"] is None
    assert updated["last_name"] == "Petit" and updated["version"] == 2
    rows = await sql("SELECT body FROM outbox WHERE account_id = :a AND routing_key = 'client.updated'", a=account.id)
    assert rows[0].body["payload"]["changed_fields"] == ["email", "note"]
    same = await api.patch(f"/api/clients/{created['id']}", json={"email": "petit@example.fr"}, headers=account.headers)
    assert same.json()["version"] == 2  # nothing changed: no new version, no event


async def test_block_and_unblock_are_recorded_and_idempotent(api, account, sql):
    client_id = (await api.post("/api/clients", json={"last_name": "Bloc"}, headers=account.headers)).json()["id"]
    blocked = (
        await api.post(f"/api/clients/{client_id}/block", json={"reason": "Impayés"}, headers=account.headers)
    ).json()
    assert blocked["blocked"] is True and blocked["blocked_reason"] == "Impayés"
    assert blocked["blocked_by"] == str(user_uuid(account.id, "tester")) and blocked["blocked_at"]
    again = await api.post(f"/api/clients/{client_id}/block", json={"reason": "x"}, headers=account.headers)
    assert again.json()["blocked_reason"] == "Impayés"
    unblocked = (await api.post(f"/api/clients/{client_id}/unblock", headers=account.headers)).json()
    assert unblocked["blocked"] is False
    kinds = [
        r.routing_key
        for r in await sql("SELECT routing_key FROM outbox WHERE account_id = :a ORDER BY position", a=account.id)
    ]
    assert kinds == ["client.created", "client.blocked", "audit.recorded", "client.unblocked", "audit.recorded"]


async def test_delete_hides_the_client_and_publishes(api, account, sql):
    client_id = (await api.post("/api/clients", json={"last_name": "Gone"}, headers=account.headers)).json()["id"]
    assert (await api.delete(f"/api/clients/{client_id}", headers=account.headers)).status_code == 204
    assert (await api.get(f"/api/clients/{client_id}", headers=account.headers)).status_code == 404
    listing = (await api.get("/api/clients", headers=account.headers)).json()
    assert listing["counts"] == {"all": 0, "clients": 0, "prospects": 0, "exact": True}
    rows = await sql("SELECT 1 FROM outbox WHERE account_id = :a AND routing_key = 'client.deleted'", a=account.id)
    assert len(rows) == 1


async def test_categories_and_tags_lifecycle(api, account):
    [tag] = await _labels(api, account, "tags", "bio")
    dup = await api.post("/api/clients/tags", json={"name": "bio"}, headers=account.headers)
    assert dup.status_code == 409
    renamed = await api.patch(f"/api/clients/tags/{tag}", json={"name": "biodynamie"}, headers=account.headers)
    assert renamed.json() == {"id": tag, "name": "biodynamie"}
    client_id = (
        await api.post("/api/clients", json={"last_name": "Tagged", "tag_ids": [tag]}, headers=account.headers)
    ).json()["id"]
    assert (await api.delete(f"/api/clients/tags/{tag}", headers=account.headers)).status_code == 409
    await api.patch(f"/api/clients/{client_id}", json={"tag_ids": []}, headers=account.headers)
    assert (await api.delete(f"/api/clients/tags/{tag}", headers=account.headers)).status_code == 204
    assert (await api.get("/api/clients/tags", headers=account.headers)).json() == []


async def test_contacts_and_who_receives_each_document(api, account):
    client_id = (
        await api.post(
            "/api/clients", json={"company_name": "Cave Lune", "email": "cave@lune.fr"}, headers=account.headers
        )
    ).json()["id"]
    recipients = f"/api/clients/{client_id}/recipients"
    fallback = (await api.get(recipients, params={"document": "invoices"}, headers=account.headers)).json()
    assert fallback == [{"name": "Cave Lune", "email": "cave@lune.fr", "source": "client", "contact_id": None}]
    compta = (
        await api.post(
            f"/api/clients/{client_id}/contacts",
            headers=account.headers,
            json={
                "first_name": "Paul",
                "last_name": "Compta",
                "email": "compta@lune.fr",
                "receives_invoices": True,
                "receives_dunning": True,
            },
        )
    ).json()
    await api.post(
        f"/api/clients/{client_id}/contacts",
        headers=account.headers,
        json={"first_name": "Anne", "last_name": "Achat", "email": "achat@lune.fr", "receives_quotes": True},
    )
    invoices = (await api.get(recipients, params={"document": "invoices"}, headers=account.headers)).json()
    assert [r["email"] for r in invoices] == ["compta@lune.fr"]
    quotes = (await api.get(recipients, params={"document": "quotes"}, headers=account.headers)).json()
    assert [r["email"] for r in quotes] == ["achat@lune.fr"]
    every = (await api.get(f"{recipients}/by-document", headers=account.headers)).json()
    assert every == {
        "quotes": quotes,
        "proforma": fallback,  # nobody is flagged for pro-formas: the client's own address
        "invoices": invoices,
        "dunning": invoices,
    }
    await api.patch(
        f"/api/clients/{client_id}/contacts/{compta['id']}", json={"receives_invoices": False}, headers=account.headers
    )
    after = (await api.get(recipients, params={"document": "invoices"}, headers=account.headers)).json()
    assert after[0]["source"] == "client"
    assert (
        await api.delete(f"/api/clients/{client_id}/contacts/{compta['id']}", headers=account.headers)
    ).status_code == 204
    assert len((await api.get(f"/api/clients/{client_id}/contacts", headers=account.headers)).json()) == 1
    bad = await api.get(recipients, params={"document": "letters"}, headers=account.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "document"


async def test_created_clients_reach_the_broker(api, account, sql):
    created = (await api.post("/api/clients", json={"last_name": "Relayed"}, headers=account.headers)).json()

    async def published():
        rows = await sql("SELECT published_at FROM outbox WHERE account_id = :a", a=account.id)
        return rows and all(r.published_at for r in rows)

    await eventually(published)
    assert created["id"]
