"""Bad input gets a 4xx problem naming the field, and changes nothing."""

import pytest

from services.clients.settings import ClientsSettings

VALID = {"last_name": "Valide", "billing_address": {"postal_code": "33000", "city": "Bordeaux"}}

CASES = [
    ({"email": "not-an-email"}, "email"),
    ({"email": "a@" + "b" * 260 + ".fr"}, "email"),
    ({"billing_address": {"postal_code": "3300", "city": "Bordeaux"}}, "billing_address.postal_code"),
    ({"billing_address": {"postal_code": "00100", "city": "X"}}, "billing_address.postal_code"),
    ({"billing_address": {"postal_code": "99000", "city": "X"}}, "billing_address.postal_code"),
    ({"billing_address": {"country_code": "XX"}}, "billing_address.country_code"),
    ({"billing_address": {"country_code": "FRA"}}, "billing_address.country_code"),
    ({"billing_address": {"line1": "x" * 101}}, "billing_address.line1"),
    ({"last_name": "x" * 101}, "last_name"),
    ({"note": "x" * 5001}, "note"),
    ({"phone": "call me maybe"}, "phone"),
    ({"category_id": 999_999_999}, "category_id"),
    ({"category_id": 2**70}, "category_id"),
    ({"tag_ids": [123456789]}, "tag_ids"),
    ({"tag_ids": "vip"}, "tag_ids"),
    ({"accepts_emailing": "perhaps"}, "accepts_emailing"),
    ({"kind": "robot"}, "kind"),
    ({"kind": "company"}, "company_name"),
    ({"last_name": None, "first_name": None}, "last_name"),
    ({"shipping_same_as_billing": False}, "shipping_address"),
    ({"accounting_code": "411 DUP"}, "accounting_code"),
    ({"unknown_field": 1}, "unknown_field"),
    ({"billing_address": {"postal_code": "33000", "zip": "1"}}, "billing_address.zip"),
]


async def _counts(sql, account):
    rows = await sql(
        "SELECT (SELECT count(*) FROM clients WHERE account_id = :a) AS c,"
        " (SELECT count(*) FROM outbox WHERE account_id = :a) AS o",
        a=account.id,
    )
    return tuple(rows[0])


@pytest.mark.parametrize(("change", "field"), CASES, ids=[c[1] + str(i) for i, c in enumerate(CASES)])
async def test_invalid_client_is_422_naming_the_field_and_writes_nothing(api, account, sql, change, field):
    before = await _counts(sql, account)
    response = await api.post("/api/clients", json={**VALID, **change}, headers=account.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert field in [e["field"] for e in problem["errors"]], problem
    assert field in problem["detail"]
    assert await _counts(sql, account) == before


async def test_invalid_edit_changes_nothing(api, account, sql):
    client = (await api.post("/api/clients", json=VALID, headers=account.headers)).json()
    before = await _counts(sql, account)
    for change in ({"email": "bad"}, {"accepts_mailing": None}, {"kind": "company"}, {"tag_ids": [987654321]}):
        response = await api.patch(f"/api/clients/{client['id']}", json=change, headers=account.headers)
        assert response.status_code == 422, (change, response.text)
    assert await _counts(sql, account) == before
    sheet = (await api.get(f"/api/clients/{client['id']}", headers=account.headers)).json()
    assert {k: v for k, v in sheet.items() if k not in ("contacts", "summary")} == client


@pytest.mark.parametrize("raw", [b"{bad json", b"[1, 2", b"\xff\xfe", b"null", b"[]", b'"text"'])
async def test_malformed_or_wrong_shaped_bodies_are_4xx(api, account, sql, raw):
    before = await _counts(sql, account)
    response = await api.post(
        "/api/clients", content=raw, headers={**account.headers, "content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await _counts(sql, account) == before


async def test_oversized_body_is_413(api, account, sql):
    before = await _counts(sql, account)
    huge = b'{"note": "' + b"x" * ClientsSettings().max_body_bytes + b'"}'
    response = await api.post(
        "/api/clients", content=huge, headers={**account.headers, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert await _counts(sql, account) == before


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"tab": "archived"},
        {"sort": "email"},
        {"direction": "up"},
        {"cursor": "not-a-cursor"},
        {"cursor": "W10"},
        {"cursor": "x" * 600},
    ],
)
async def test_bad_list_parameters_are_422(api, account, params):
    response = await api.get("/api/clients", params=params, headers=account.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] in params


@pytest.mark.parametrize("path", ["/api/clients/0", "/api/clients/abc", f"/api/clients/{2**64}"])
async def test_bad_client_ids_are_4xx(api, account, path):
    response = await api.get(path, headers=account.headers)
    assert response.status_code in (404, 422)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/clients", {"last_name": "Nul\u0000Byte"}, "last_name"),
        ("/api/clients", {"last_name": "X", "billing_address": {"city": "Bor\u0000deaux"}}, "billing_address.city"),
        ("/api/clients/tags", {"name": "\u0011\u00004"}, "name"),
    ],
)
async def test_nul_characters_are_422_naming_the_field(api, account, sql, path, body, field):
    before = await _counts(sql, account)
    response = await api.post(path, json=body, headers=account.headers)
    assert response.status_code == 422 and field in [e["field"] for e in response.json()["errors"]]
    assert await _counts(sql, account) == before


async def test_a_nul_character_in_a_query_parameter_is_4xx(orders_api, account):
    response = await orders_api.get("/api/orders/client-choices", params={"q": "a\x00b"}, headers=account.headers)
    assert response.status_code == 422
