"""Dates at the calendar's edges and forged page cursors: a 422 naming the field, never a 500, nothing written.

Every date a request carries must lie between 1900-01-01 and 2999-12-31 (shared.schemas); year 1
or 9999 with a time zone used to overflow Python's datetime on the way to UTC.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from tests.orders_support import catalogue, order, orders_account, orders_sql, published_client  # noqa: F401
from tests.reminders_support import (  # noqa: F401 (fixtures)
    known_client,
    rem_account,
    rem_api,
    rem_sql,
    reminders_app,
)

EDGE_SEARCHES = [
    ({"created_to": "9999-12-31"}, "created_to"),
    ({"created_from": "0001-01-01"}, "created_from"),
    ({"invoiced_to": "9999-12-31"}, "invoiced_to"),
    ({"invoiced_from": "01/01/0001"}, "invoiced_from"),
    ({"q": "created:9999-12-31"}, "q"),
    ({"q": "created:0001-01-01"}, "q"),
    ({"q": "invoiced<=9999-12-31"}, "q"),
    ({"q": "invoiced>9999-12"}, "q"),
    ({"q": "created:9999"}, "q"),
    ({"q": "created:1899..2026"}, "q"),
]
LIST_PATHS = ["/api/clients", "/api/clients/exports/clients.csv", "/api/clients/exports/contacts.csv"]
EDGE_MOMENTS = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59",
    "1899-12-31T23:59:59+00:00",
    "3000-01-01T00:00:00Z",
]


def _assert_names(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.text


@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize(("params", "field"), EDGE_SEARCHES, ids=[str(p) for p, _ in EDGE_SEARCHES])
async def test_a_search_at_the_calendars_edges_is_422_on_the_list_and_both_csv(api, account, path, params, field):
    response = await api.get(path, params=params, headers=account.headers)
    _assert_names(response, field)


async def test_the_edges_of_the_accepted_range_still_search(api, account):
    for params in (
        {"created_from": "1900-01-01", "created_to": "2999-12-31"},
        {"q": "created:1900..2999"},
        {"q": "invoiced<=2999-12-31"},
        {"q": "invoiced>=1900-01"},
    ):
        for path in LIST_PATHS:
            response = await api.get(path, params=params, headers=account.headers)
            assert response.status_code == 200, (path, params, response.text)


@pytest.mark.parametrize(("params", "field"), EDGE_SEARCHES[:5], ids=[str(p) for p, _ in EDGE_SEARCHES[:5]])
async def test_an_export_job_or_a_segment_at_the_calendars_edges_is_refused(api, account, sql, params, field):
    job = await api.post("/api/clients/exports", json={"selection": {"search": params}}, headers=account.headers)
    assert job.status_code == 422, job.text
    assert [e["field"] for e in job.json()["errors"]] == [f"selection.search.{field}"]
    segment = await api.post("/api/clients/segments", json={"name": "bord", "search": params}, headers=account.headers)
    assert segment.status_code == 422, segment.text
    assert [e["field"] for e in segment.json()["errors"]] == [f"search.{field}"]
    written = await sql(
        "SELECT (SELECT count(*) FROM export_jobs WHERE account_id = :a)"
        " + (SELECT count(*) FROM segments WHERE account_id = :a)",
        a=account.id,
    )
    assert written[0][0] == 0


@pytest.mark.parametrize("moment", EDGE_MOMENTS)
async def test_a_note_dated_at_the_calendars_edges_is_422_and_writes_nothing(api, account, sql, moment):
    client = (await api.post("/api/clients", json={"last_name": "Daté"}, headers=account.headers)).json()
    created = await api.post(
        f"/api/clients/{client['id']}/notes", headers=account.headers, json={"text": "appel", "noted_at": moment}
    )
    _assert_names(created, "noted_at")
    note = (
        await api.post(
            f"/api/clients/{client['id']}/notes",
            headers=account.headers,
            json={"text": "appel", "noted_at": "2026-03-01T10:00:00+01:00"},
        )
    ).json()
    edited = await api.patch(
        f"/api/clients/{client['id']}/notes/{note['id']}", headers=account.headers, json={"noted_at": moment}
    )
    _assert_names(edited, "noted_at")
    stored = await sql("SELECT noted_at FROM client_notes WHERE client_id = :c", c=client["id"])
    assert [row[0] for row in stored] == [datetime(2026, 3, 1, 9, tzinfo=UTC)]


@pytest.mark.parametrize(("params", "field"), [({"from": "0001-01-01"}, "from"), ({"to": "9999-12-31"}, "to")])
async def test_statistics_and_top_products_refuse_days_at_the_calendars_edges(api, account, params, field):
    client = (await api.post("/api/clients", json={"last_name": "Stat"}, headers=account.headers)).json()
    for path in ("statistics", "top-products"):
        response = await api.get(f"/api/clients/{client['id']}/{path}", params=params, headers=account.headers)
        _assert_names(response, field)


@pytest.mark.parametrize("moment", EDGE_MOMENTS)
async def test_a_reminder_due_at_the_calendars_edges_is_422_and_writes_nothing(rem_api, rem_account, rem_sql, moment):
    client_id = await known_client(rem_sql, rem_account.id)
    h = rem_account.headers
    created = await rem_api.post(
        "/api/reminders", headers=h, json={"client_id": client_id, "due_at": moment, "text": "Rappeler"}
    )
    _assert_names(created, "due_at")
    reminder = (
        await rem_api.post(
            "/api/reminders",
            headers=h,
            json={"client_id": client_id, "due_at": "2030-01-01T09:00:00+01:00", "text": "Rappeler"},
        )
    ).json()
    for path, body in ((f"/api/reminders/{reminder['id']}/reschedule", {"due_at": moment}),):
        _assert_names(await rem_api.post(path, headers=h, json=body), "due_at")
    _assert_names(await rem_api.patch(f"/api/reminders/{reminder['id']}", headers=h, json={"due_at": moment}), "due_at")
    rows = await rem_sql("SELECT due_at, version FROM reminders WHERE account_id = :a", a=rem_account.id)
    assert [tuple(r) for r in rows] == [(datetime(2030, 1, 1, 8, tzinfo=UTC), 1)]


@pytest.mark.parametrize("moment", EDGE_MOMENTS)
async def test_a_payment_or_shipment_dated_at_the_calendars_edges_is_422_and_writes_nothing(
    orders_api, orders_sql, moment
):
    account = orders_account()
    cat = await catalogue(orders_api, account)
    client_id = await published_client(orders_api, account)
    created = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": "6"}])
    confirmed = await orders_api.post(f"/api/orders/{created['id']}/confirm", headers=account.headers)
    assert confirmed.status_code == 200, confirmed.text
    paid = await orders_api.post(
        f"/api/orders/{created['id']}/payments",
        headers=account.headers,
        json={"amount_cents": 100, "method": "cash", "paid_at": moment},
    )
    _assert_names(paid, "paid_at")
    shipped = await orders_api.post(
        f"/api/orders/{created['id']}/shipments", headers=account.headers, json={"shipped_at": moment}
    )
    _assert_names(shipped, "shipped_at")
    written = await orders_sql(
        "SELECT (SELECT count(*) FROM payments WHERE order_id = :o)"
        " + (SELECT count(*) FROM shipments WHERE order_id = :o)",
        o=created["id"],
    )
    assert written[0][0] == 0


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


YEAR_ONE_EAST = "0001-01-01T00:00:00+14:00"
YEAR_9999_WEST = "9999-12-31T23:59:59-14:00"


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"sort": "created_at", "cursor": _b64(["created_at", "asc", YEAR_ONE_EAST, 1])}, "year 1 at +14:00"),
        (
            {"sort": "created_at", "direction": "desc", "cursor": _b64(["created_at", "desc", YEAR_9999_WEST, 1])},
            "year 9999 at -14:00",
        ),
        ({"sort": "last_invoiced_at", "cursor": _b64(["last_invoiced_at", "asc", YEAR_ONE_EAST, 1])}, "year 1"),
        ({"sort": "created_at", "cursor": _b64(["created_at", "asc", "2026-01-01T00:00:00+00:00", 2**63])}, "huge id"),
        ({"sort": "total_invoiced", "cursor": _b64(["total_invoiced", "asc", 2**63, 1])}, "huge amount"),
        ({"sort": "invoiced_orders", "cursor": _b64(["invoiced_orders", "asc", 2**31, 1])}, "count over int4"),
        ({"sort": "last_name", "cursor": _b64(["last_name", "asc", "a\u0000b", 1])}, "NUL in a name"),
    ],
)
async def test_a_forged_list_cursor_is_422_naming_cursor(api, account, params, why):
    _assert_names(await api.get("/api/clients", params=params, headers=account.headers), "cursor")


@pytest.mark.parametrize(
    "cursor",
    [
        _b64([YEAR_ONE_EAST, 1]),
        _b64([YEAR_9999_WEST, 1]),
        _b64(["2026-01-01T00:00:00+00:00", 2**63]),
        _b64(["2026-01-01T00:00:00", 1]),
        _b64(["2026-01-01T00:00:00+00:00", True]),
    ],
)
async def test_a_forged_timeline_or_order_history_cursor_is_422_naming_cursor(api, account, cursor):
    client = (await api.post("/api/clients", json={"last_name": "Curseur"}, headers=account.headers)).json()
    for path in ("timeline", "orders"):
        response = await api.get(
            f"/api/clients/{client['id']}/{path}", params={"cursor": cursor}, headers=account.headers
        )
        _assert_names(response, "cursor")


@pytest.mark.parametrize(
    "cursor",
    [
        f"{YEAR_ONE_EAST}_1",
        f"{YEAR_9999_WEST}_1",
        "2026-01-01T00:00:00+00:00_99999999999999999999",
        "2026-01-01T00:00:00+00:00_0",
        "2026-01-01T00:00:00+00:00_-1",
        "2026-01-01T00:00:00_1",
        "2026-01-01_x",
        "2026-01-01T00:00:00+00:00_\u0661",
    ],
)
async def test_a_forged_reminders_cursor_is_422_naming_cursor(rem_api, rem_account, cursor):
    _assert_names(await rem_api.get("/api/reminders", params={"cursor": cursor}, headers=rem_account.headers), "cursor")


async def test_reminder_pages_still_follow_their_cursor(rem_api, rem_account, rem_sql):
    client_id = await known_client(rem_sql, rem_account.id)
    start = datetime(2031, 5, 1, 8, tzinfo=UTC)
    for hours in range(3):
        created = await rem_api.post(
            "/api/reminders",
            headers=rem_account.headers,
            json={
                "client_id": client_id,
                "due_at": (start + timedelta(hours=hours)).isoformat(),
                "text": f"n° {hours}",
            },
        )
        assert created.status_code == 201, created.text
    first = (await rem_api.get("/api/reminders", params={"limit": 2}, headers=rem_account.headers)).json()
    rest = (
        await rem_api.get(
            "/api/reminders", params={"limit": 2, "cursor": first["next_cursor"]}, headers=rem_account.headers
        )
    ).json()
    assert [r["text"] for r in first["items"] + rest["items"]] == ["n° 0", "n° 1", "n° 2"]
