"""A company's legal form, SIREN, SIRET and VAT number: checked, normalised, announced and copied by orders."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.orders_support import client_snapshot, orders_account, orders_sql, published_client  # noqa: F401 (a fixture)
from tests.support import eventually

# The SIREN of stdnum's examples, its head office's SIRET and its French VAT number (key 44).
SIREN, SIRET, VAT = "732829320", "73282932000074", "FR44732829320"
# Another company: its own SIREN, SIRET and VAT number, valid each on its own.
OTHER_SIREN, OTHER_SIRET, OTHER_VAT = "303265045", "30326504500011", "FR40303265045"
IDENTIFIERS = ("legal_form", "siren", "siret", "vat_number")
COMPANY = {
    "company_name": "Domaine Leflaive",
    "legal_form": " SCEA ",
    "siren": "732 829 320",
    "siret": "732.829.320.00074",
    "vat_number": "fr 44 732 829 320",
}


async def _create(api, account, **body: Any):
    return await api.post("/api/clients", json=body, headers=account.headers)


async def _company(api, account) -> dict[str, Any]:
    response = await _create(api, account, **COMPANY)
    assert response.status_code == 201, response.text
    return response.json()


async def _events(sql, account, routing_key: str) -> list[dict[str, Any]]:
    rows = await sql(
        "SELECT body FROM outbox WHERE account_id = :a AND routing_key = :k ORDER BY position",
        a=account.id,
        k=routing_key,
    )
    return [r.body["payload"] for r in rows]


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field], response.json()


async def test_identifiers_are_stored_compact_shown_on_the_sheet_and_announced(api, account, sql):
    created = await _company(api, account)
    expected = {"legal_form": "SCEA", "siren": SIREN, "siret": SIRET, "vat_number": VAT}
    assert {k: created[k] for k in IDENTIFIERS} == expected
    sheet = (await api.get(f"/api/clients/{created['id']}", headers=account.headers)).json()
    assert {k: sheet[k] for k in IDENTIFIERS} == expected
    [announced] = await _events(sql, account, "client.created")
    assert {k: announced[k] for k in IDENTIFIERS} == expected

    # Only what is sent changes; null clears; a foreign VAT number needs no SIREN of its own.
    edited = await api.patch(
        f"/api/clients/{created['id']}",
        json={"legal_form": "SAS", "siret": None, "vat_number": "be 0403.170.701"},
        headers=account.headers,
    )
    assert edited.status_code == 200, edited.text
    after = edited.json()
    assert {k: after[k] for k in IDENTIFIERS} == {
        "legal_form": "SAS",
        "siren": SIREN,
        "siret": None,
        "vat_number": "BE0403170701",
    }
    assert after["version"] == created["version"] + 1
    [update] = await _events(sql, account, "client.updated")
    assert update["changed_fields"] == ["legal_form", "siret", "vat_number"]
    assert (update["siren"], update["siret"], update["vat_number"]) == (SIREN, None, "BE0403170701")
    timeline = (await api.get(f"/api/clients/{created['id']}/timeline", headers=account.headers)).json()
    texts = [entry["text"] for entry in timeline["items"]]
    assert any("forme juridique, SIRET, n° de TVA intracommunautaire" in text for text in texts), texts

    same = await api.patch(f"/api/clients/{created['id']}", json={"siren": "732829320"}, headers=account.headers)
    assert same.json()["version"] == after["version"]  # the same SIREN written otherwise is no change


BAD_VALUES = [
    ("siren", "732829321", "check digit"),
    ("siren", "73282932", "number of characters"),
    ("siren", "73282932A", None),
    ("siret", "73282932000075", "check digit"),
    ("siret", "7328293200007", "number of characters"),
    ("vat_number", "FR00732829320", "check digit"),
    ("vat_number", "XX732829320", "European Union"),
    ("vat_number", "DE12345", None),
    ("legal_form", "S" * 51, None),
    ("siren", 732829320, None),
]


@pytest.mark.parametrize(("field", "value", "says"), BAD_VALUES)
async def test_a_bad_identifier_is_a_422_naming_it_and_writes_nothing(api, account, sql, field, value, says):
    refused = await _create(api, account, company_name="Cave Refusée", **{field: value})
    _refused(refused, field)
    if says:
        assert says in refused.json()["errors"][0]["message"]
    assert await sql("SELECT id FROM clients WHERE account_id = :a", a=account.id) == []

    created = await _company(api, account)
    edited = await api.patch(f"/api/clients/{created['id']}", json={field: value}, headers=account.headers)
    _refused(edited, field)
    sheet = (await api.get(f"/api/clients/{created['id']}", headers=account.headers)).json()
    assert {k: sheet[k] for k in (*IDENTIFIERS, "version")} == {k: created[k] for k in (*IDENTIFIERS, "version")}
    assert await _events(sql, account, "client.updated") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"siren": SIREN, "siret": OTHER_SIRET}, "siret"),
        ({"siren": SIREN, "vat_number": OTHER_VAT}, "vat_number"),
        ({"siren": OTHER_SIREN, "siret": SIRET, "vat_number": VAT}, "siret"),
    ],
)
async def test_the_siret_and_a_french_vat_number_must_hold_the_siren(api, account, sql, body, field):
    _refused(await _create(api, account, company_name="Cave Mêlée", **body), field)
    assert await sql("SELECT id FROM clients WHERE account_id = :a", a=account.id) == []


async def test_an_edit_is_checked_against_the_identifiers_already_stored(api, account, sql):
    created = await _company(api, account)
    url = f"/api/clients/{created['id']}"
    _refused(await api.patch(url, json={"siret": OTHER_SIRET}, headers=account.headers), "siret")
    _refused(await api.patch(url, json={"siren": OTHER_SIREN}, headers=account.headers), "siret")
    _refused(
        await api.patch(url, json={"siren": OTHER_SIREN, "siret": OTHER_SIRET}, headers=account.headers), "vat_number"
    )
    assert await _events(sql, account, "client.updated") == []
    moved = await api.patch(
        url, json={"siren": OTHER_SIREN, "siret": OTHER_SIRET, "vat_number": OTHER_VAT}, headers=account.headers
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["siren"], moved.json()["siret"], moved.json()["vat_number"]) == (
        OTHER_SIREN,
        OTHER_SIRET,
        OTHER_VAT,
    )


@pytest.mark.parametrize("field", IDENTIFIERS)
async def test_a_private_customer_has_no_company_identifiers(api, account, sql, field):
    value = {"legal_form": "SARL", "siren": SIREN, "siret": SIRET, "vat_number": VAT}[field]
    refused = await _create(api, account, last_name="Durand", **{field: value})
    _refused(refused, field)
    assert "private customer" in refused.json()["errors"][0]["message"]
    assert await sql("SELECT id FROM clients WHERE account_id = :a", a=account.id) == []

    person = (await _create(api, account, last_name="Durand")).json()
    _refused(await api.patch(f"/api/clients/{person['id']}", json={field: value}, headers=account.headers), field)


async def test_a_company_becomes_a_person_only_without_its_identifiers(api, account):
    created = await _company(api, account)
    url = f"/api/clients/{created['id']}"
    _refused(
        await api.patch(url, json={"kind": "person", "last_name": "Leflaive"}, headers=account.headers), "legal_form"
    )
    cleared = await api.patch(
        url,
        json={"kind": "person", "last_name": "Leflaive", **dict.fromkeys(IDENTIFIERS)},
        headers=account.headers,
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["kind"] == "person" and all(cleared.json()[k] is None for k in IDENTIFIERS)


async def test_the_csv_export_shows_the_identifiers(api, account):
    await _company(api, account)
    response = await api.get("/api/clients/exports/clients.csv", headers=account.headers)
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    [line] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert line["Société"] == "Domaine Leflaive" and line["Forme juridique"] == "SCEA"
    # Digits stay text in Excel: a SIRET would otherwise show as 7,32829E+13.
    assert (line["SIREN"], line["SIRET"]) == (f'="{SIREN}"', f'="{SIRET}"')
    assert line["N° TVA intracommunautaire"] == VAT


async def _replica(orders_sql, client_id: int) -> dict[str, Any] | None:
    rows = await orders_sql(
        "SELECT version, legal_form, siren, siret, vat_number FROM client_replicas WHERE client_id = :c", c=client_id
    )
    return dict(rows[0]._mapping) if rows else None


async def test_the_orders_replica_receives_the_identifiers_over_the_broker(api, orders_api, orders_sql, account):
    created = await _company(api, account)

    async def copied(version: int) -> dict[str, Any] | None:
        replica = await _replica(orders_sql, created["id"])
        return replica if replica and replica["version"] == version else None

    replica = await eventually(lambda: copied(created["version"]))
    assert replica == {
        "version": created["version"],
        "legal_form": "SCEA",
        "siren": SIREN,
        "siret": SIRET,
        "vat_number": VAT,
    }

    edited = await api.patch(
        f"/api/clients/{created['id']}", json={"legal_form": "SAS", "vat_number": None}, headers=account.headers
    )
    version = edited.json()["version"]
    replica = await eventually(lambda: copied(version))
    assert (replica["legal_form"], replica["siren"], replica["vat_number"]) == ("SAS", SIREN, None)


async def test_a_snapshot_written_before_the_identifiers_is_still_read(orders_api, orders_sql):
    # As the clients service wrote them before this change: no identifier keys at all.
    old = client_snapshot(0, kind="company", company_name="Ancienne Cave")
    assert not set(IDENTIFIERS) & set(old)
    client_id = await published_client(orders_api, orders_account(), kind="company", company_name="Ancienne Cave")
    replica = await _replica(orders_sql, client_id)
    assert replica == {"version": 1, "legal_form": None, "siren": None, "siret": None, "vat_number": None}


async def test_an_erasure_removes_the_identifiers_here_and_in_orders(api, orders_api, orders_sql, account, sql):
    created = await _company(api, account)
    await eventually(lambda: _replica(orders_sql, created["id"]))
    erased = await api.post(f"/api/clients/{created['id']}/erase", headers=account.headers)
    assert erased.status_code == 200, erased.text
    # A sole trader's SIREN names a person: nothing of it stays, not even in the events already written.
    assert all(erased.json()[k] is None for k in IDENTIFIERS)
    for (body,) in await sql("SELECT body::text FROM outbox WHERE account_id = :a", a=account.id):
        assert SIREN not in body and "SCEA" not in body, body

    async def forgotten() -> dict[str, Any] | None:
        replica = await _replica(orders_sql, created["id"])
        return replica if replica and replica["siren"] is None else None

    replica = await eventually(forgotten)
    assert {k: replica[k] for k in IDENTIFIERS} == dict.fromkeys(IDENTIFIERS)
