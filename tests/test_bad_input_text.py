"""Text, numbers and types a request carries: refused with a 422 naming the field, nothing written.

Lone surrogates (a JSON "\\ud800" escape) cannot be encoded as UTF-8; control characters in a
one-line field could end an e-mail header; numbers must fit their bigint or integer column; and a
body's types are strict: 0 is not false and false is not 0.0.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import TestAccount, new_account
from tests.mailings_support import campaign_api, campaign_app, render_dir  # noqa: F401 (fixtures)
from tests.orders_support import catalogue, orders_account, published_client
from tests.reminders_support import (  # noqa: F401 (fixtures)
    known_client,
    rem_account,
    rem_api,
    rem_sql,
    reminders_app,
)

HEADER_BREAKERS = [
    "Cave\r\nBcc: victime@example.fr",
    "Cave\nDupont",
    "Cave\x0bDupont",
    "Cave\u2028Dupont",
    "Cave\x85Dupont",
    "Cave\x07",
    "Cave\tDupont",
    "Cave\x7f",
]


def raw_json(text: str) -> dict[str, Any]:
    """Keyword arguments posting JSON text as is: httpx cannot encode a lone surrogate itself."""
    return {"content": text.encode(), "headers": {"content-type": "application/json"}}


def _names(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert field in response.json()["detail"]


async def _client_rows(sql: Any, account: TestAccount) -> tuple[int, int]:
    rows = await sql(
        "SELECT (SELECT count(*) FROM clients WHERE account_id = :a),"
        " (SELECT count(*) FROM outbox WHERE account_id = :a)",
        a=account.id,
    )
    return tuple(rows[0])


async def test_a_huge_after_id_is_422_naming_it(api, account):
    huge = raw_json('{"after_id": 9223372036854775808, "selection": {}}')
    response = await api.post(
        "/api/clients/selection/addresses", content=huge["content"], headers={**account.headers, **huge["headers"]}
    )
    _names(response, "after_id")
    fits = await api.post(
        "/api/clients/selection/addresses",
        headers=account.headers,
        json={"after_id": 9223372036854775807, "selection": {}},
    )
    assert fits.status_code == 200 and fits.json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"last_name": "\\ud800"}', "last_name"),
        ('{"last_name": "X", "billing_address": {"city": "Beaune\\udfff"}}', "billing_address.city"),
        ('{"last_name": "X", "tag_ids": [1], "note": "ok \\ud83d"}', "note"),
        ('{"last_name": "X", "\\ud800": 1}', "body"),  # a field name that is not text cannot be named
    ],
)
async def test_a_lone_surrogate_in_a_client_is_422_naming_the_field(api, account, sql, body, field):
    before = await _client_rows(sql, account)
    response = await api.post(
        "/api/clients", headers={**account.headers, "content-type": "application/json"}, content=body.encode()
    )
    _names(response, field)
    assert await _client_rows(sql, account) == before


@pytest.mark.parametrize("name", HEADER_BREAKERS)
async def test_a_name_with_a_line_break_or_control_character_is_422_and_writes_nothing(api, account, sql, name):
    before = await _client_rows(sql, account)
    for body, field in (
        ({"company_name": name}, "company_name"),
        ({"last_name": name}, "last_name"),
        ({"last_name": "X", "billing_address": {"line1": name}}, "billing_address.line1"),
        ({"last_name": "X", "title": name}, "title"),
    ):
        _names(await api.post("/api/clients", json=body, headers=account.headers), field)
    client = (await api.post("/api/clients", json={"company_name": "Cave"}, headers=account.headers)).json()
    _names(
        await api.patch(f"/api/clients/{client['id']}", json={"company_name": name}, headers=account.headers),
        "company_name",
    )
    _names(
        await api.post(f"/api/clients/{client['id']}/contacts", json={"last_name": name}, headers=account.headers),
        "last_name",
    )
    _names(await api.post("/api/clients/tags", json={"name": name}, headers=account.headers), "name")
    _names(
        await api.post("/api/clients/segments", json={"name": name, "search": {"q": "cave"}}, headers=account.headers),
        "name",
    )
    _names(
        await api.post("/api/clients/segments", json={"name": "s", "search": {"q": name}}, headers=account.headers),
        "search.q",
    )
    after = await _client_rows(sql, account)
    assert after == (before[0] + 1, before[1] + 1)  # the one valid client and its event only
    sheet = (await api.get(f"/api/clients/{client['id']}", headers=account.headers)).json()
    assert sheet["company_name"] == "Cave" and sheet["contacts"] == []


async def test_multi_line_texts_keep_their_line_breaks_but_no_other_control_character(api, account):
    note = "Appeler lundi.\r\nPuis\tenvoyer le tarif.\n"
    created = await api.post("/api/clients", json={"last_name": "Lignes", "note": note}, headers=account.headers)
    assert created.status_code == 201, created.text
    assert created.json()["note"] == note.strip()
    client_id = created.json()["id"]
    written = await api.post(
        f"/api/clients/{client_id}/notes", json={"text": "Ligne 1\nLigne 2"}, headers=account.headers
    )
    assert written.status_code == 201 and written.json()["text"] == "Ligne 1\nLigne 2"
    _names(await api.post(f"/api/clients/{client_id}/notes", json={"text": "bip\x07"}, headers=account.headers), "text")
    blocked = await api.post(
        f"/api/clients/{client_id}/block", json={"reason": "Impayés\nrelance 2"}, headers=account.headers
    )
    assert blocked.status_code == 200, blocked.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/orders/price-grids", {"name": "Tarif", "is_default": 0}, "is_default"),
        ("/api/orders/price-grids", {"name": "Tarif", "includes_tax": "true"}, "includes_tax"),
        ("/api/orders/price-grids", {"name": 12}, "name"),
        (
            "/api/orders/containers",
            {"name": "Fût", "short_name": "fût", "millilitres": 225000.0, "kind": "other"},
            "millilitres",
        ),
        (
            "/api/orders/containers",
            {"name": "Fût", "short_name": "fût", "millilitres": True, "kind": "other"},
            "millilitres",
        ),
        (
            "/api/orders/containers",
            {"name": "Fût", "short_name": "fût", "millilitres": "750", "kind": "other"},
            "millilitres",
        ),
    ],
)
async def test_orders_bodies_refuse_values_of_the_wrong_type(orders_api, path, body, field):
    account = orders_account()
    _names(await orders_api.post(path, json=body, headers=account.headers), field)
    listed = (await orders_api.get(path, headers=account.headers)).json()
    assert [row["name"] for row in listed if row["name"] in ("Tarif", "Fût")] == []


async def test_json_natural_values_are_still_read_quantities_and_dates_from_text(orders_api):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    client_id = await published_client(orders_api, account)
    for quantity in ("6", 6, 6.5, "0.125"):
        created = await orders_api.post(
            "/api/orders",
            headers=account.headers,
            json={"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": quantity}]},
        )
        assert created.status_code == 201, (quantity, created.text)
    wrong = await orders_api.post(
        "/api/orders",
        headers=account.headers,
        json={"client_id": client_id, "lines": [{"variant_id": cat["bottle"], "quantity": True}]},
    )
    _names(wrong, "lines.0.quantity")
    as_text = await orders_api.post(
        "/api/orders",
        headers=account.headers,
        json={"client_id": str(client_id), "lines": [{"variant_id": cat["bottle"], "quantity": 1}]},
    )
    _names(as_text, "client_id")


async def test_a_date_is_iso_text_not_a_number_of_seconds(api, account, rem_api, rem_account, rem_sql):
    client_id = await known_client(rem_sql, rem_account.id)
    for due_at in (1_900_000_000, True):
        response = await rem_api.post(
            "/api/reminders", headers=rem_account.headers, json={"client_id": client_id, "due_at": due_at, "text": "x"}
        )
        _names(response, "due_at")
    client = (await api.post("/api/clients", json={"last_name": "Epoch"}, headers=account.headers)).json()
    _names(
        await api.post(
            f"/api/clients/{client['id']}/notes", json={"text": "x", "noted_at": 0}, headers=account.headers
        ),
        "noted_at",
    )


async def test_reminders_refuse_wrong_types_and_header_breaking_names(rem_api, rem_account, rem_sql):
    client_id = await known_client(rem_sql, rem_account.id)
    h = rem_account.headers
    _names(
        await rem_api.post(
            "/api/reminders",
            headers=h,
            json={"client_id": str(client_id), "due_at": "2030-01-01T09:00:00Z", "text": "x"},
        ),
        "client_id",
    )
    multi = await rem_api.post(
        "/api/reminders",
        headers=h,
        json={"client_id": client_id, "due_at": "2030-01-01T09:00:00Z", "text": "Rappeler\npour le tarif"},
    )
    assert multi.status_code == 201, multi.text
    _names(
        await rem_api.post(f"/api/reminders/{multi.json()['id']}/snooze", headers=h, json={"minutes": 15.0}), "minutes"
    )
    _names(
        await rem_api.post(
            "/api/reminders",
            headers={**h, "content-type": "application/json"},
            content=f'{{"client_id": {client_id}, "due_at": "2030-01-01T09:00:00Z", "text": "\\ud800"}}'.encode(),
        ),
        "text",
    )


async def test_a_nul_in_a_query_or_path_parameter_is_422_naming_it(orders_api, rem_api, rem_account):
    account = orders_account()
    _names(await orders_api.get("/api/orders/client-choices", params={"q": "a\x00b"}, headers=account.headers), "q")
    _names(
        await rem_api.get("/api/reminders", params={"assigned_user": "a\x00b"}, headers=rem_account.headers),
        "assigned_user",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"name": "c", "selection": {"search": {"q": "\\ud800"}}}', "selection.search.q"),
        ('{"name": "c\\udc00", "selection": {}}', "name"),
        ('{"name": "c", "selection": {"search": {"tags_any": ["vip", "\\ud800"]}}}', "selection.search.tags_any.1"),
        ('{"name": "c", "selection": {"search": {"q": "a\\u0000b"}}}', "selection.search.q"),
        ('{"name": "c", "selection": {"search": {"q": "cave\\nBcc"}}}', "selection.search.q"),
        ('{"name": "c", "selection": {"search": {"orders_min": "3"}}}', "selection.search.orders_min"),
        ('{"name": "c", "selection": {"search": {"created_to": "9999-12-31"}}}', "selection.search.created_to"),
    ],
)
async def test_a_campaigns_bad_selection_is_422_naming_the_field_and_writes_nothing(
    campaign_api, campaign_app, clients_app, body, field
):
    account = await new_account(clients_app)
    posted = raw_json(body)
    response = await campaign_api.post(
        "/api/mailings/campaigns", content=posted["content"], headers={**account.headers, **posted["headers"]}
    )
    _names(response, field)
    async with campaign_app.state.context.engine.connect() as connection:
        count = (
            await connection.execute(text("SELECT count(*) FROM campaigns WHERE account_id = :a"), {"a": account.id})
        ).scalar_one()
    assert count == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"offset_y_mm": False}, "offset_y_mm"),
        ({"offset_x_mm": "1.5"}, "offset_x_mm"),
        ({"offset_x_mm": 21}, "offset_x_mm"),
    ],
)
async def test_label_settings_refuse_values_of_the_wrong_type(campaign_api, body, field):
    account = orders_account()
    before = (await campaign_api.get("/api/mailings/label-settings", headers=account.headers)).json()
    _names(await campaign_api.put("/api/mailings/label-settings", json=body, headers=account.headers), field)
    assert (await campaign_api.get("/api/mailings/label-settings", headers=account.headers)).json() == before
    fine = await campaign_api.put(
        "/api/mailings/label-settings", json={"offset_x_mm": 2, "offset_y_mm": -1.5}, headers=account.headers
    )
    assert fine.status_code == 200 and fine.json() == {"offset_x_mm": 2.0, "offset_y_mm": -1.5}


async def test_a_campaign_title_holds_one_line_and_its_text_many(campaign_api, campaign_app, clients_app, api):
    account = await new_account(clients_app)
    await api.post(
        "/api/clients",
        headers=account.headers,
        json={"last_name": "Lettre", "billing_address": {"line1": "1 rue", "postal_code": "21200", "city": "Beaune"}},
    )
    created = await campaign_api.post(
        "/api/mailings/campaigns", headers=account.headers, json={"name": "Vendanges", "selection": {}}
    )
    assert created.status_code == 201, created.text
    href = f"/api/mailings/campaigns/{created.json()['id']}"
    _names(await campaign_api.patch(href, headers=account.headers, json={"title": "Madame,\r\nMonsieur"}), "title")
    letter = await campaign_api.patch(href, headers=account.headers, json={"text": "Bonjour,\n\nÀ bientôt."})
    assert letter.status_code == 200 and letter.json()["text"] == "Bonjour,\n\nÀ bientôt."
