"""The client base list: tabs with counts, every sort both ways, complete keyset paging."""

import base64
import itertools
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from tests.conftest import AMQP_URL
from tests.support import eventually, invoice_issued, publish_event

PEOPLE = [
    ("Émile", "Zola"),
    ("Hélène", "Boucher"),
    ("anne", "de la Tour"),
    ("Éric", "Abadie"),
    ("Zoé", "Martin"),
    ("Luc", "Martin"),
    ("Anaïs", "Ébrard"),
    ("Paul", "Œillet"),
]
COMPANIES = ["Château Margaux", "cave des Chartrons", "Domaine Zind", "Épicerie Fine"]
SORTS = ["first_name", "last_name", "created_at", "total_invoiced", "invoiced_orders", "last_invoiced_at", "location"]


@pytest.fixture
async def base(api, account, sql):
    """Twelve clients; four of them invoiced through real invoice events."""
    ids = []
    for first, last in PEOPLE:
        ids.append(
            (
                await api.post("/api/clients", json={"first_name": first, "last_name": last}, headers=account.headers)
            ).json()["id"]
        )
    for name in COMPANIES:
        ids.append(
            (
                await api.post(
                    "/api/clients",
                    json={"company_name": name, "billing_address": {"postal_code": "33000", "city": "Bordeaux"}},
                    headers=account.headers,
                )
            ).json()["id"]
        )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    invoices = [(ids[0], 10_000), (ids[0], 5_050), (ids[3], 99_999), (ids[8], 1), (ids[9], 10_000)]
    for n, (client_id, total) in enumerate(invoices, start=1):
        invoice_id = account.id.int % 10**9 * 100 + n
        await publish_event(
            AMQP_URL,
            exchange="negoce.orders",
            event_type="invoice.issued",
            account_id=account.id,
            payload=invoice_issued(
                client_id=client_id,
                invoice_id=invoice_id,
                order_id=invoice_id,
                total_cents=total,
                issued_at=start + timedelta(days=n),
            ),
        )

    async def applied():
        rows = await sql("SELECT count(*) FROM client_invoices WHERE account_id = :a", a=account.id)
        return rows[0][0] == len(invoices)

    await eventually(applied)
    return ids


async def _walk(api, account, **params):
    """Every row of a listing, page by page."""
    rows, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/api/clients", params=query, headers=account.headers)).json()
        rows += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return rows, pages


async def test_tabs_and_counts(api, account, base):
    page = (await api.get("/api/clients", headers=account.headers)).json()
    assert page["counts"] == {"all": 12, "clients": 4, "prospects": 8, "exact": True}
    clients = (await api.get("/api/clients", params={"tab": "clients"}, headers=account.headers)).json()
    assert {r["id"] for r in clients["items"]} == {base[0], base[3], base[8], base[9]}
    assert all(r["status"] == "client" for r in clients["items"])
    prospects = (await api.get("/api/clients", params={"tab": "prospects"}, headers=account.headers)).json()
    assert len(prospects["items"]) == 8 and all(r["status"] == "prospect" for r in prospects["items"])


async def test_list_row_columns(api, account, base):
    rows = (
        await api.get("/api/clients", params={"sort": "total_invoiced", "direction": "desc"}, headers=account.headers)
    ).json()["items"]
    top = rows[0]
    assert top["id"] == base[3] and top["display_name"] == "Éric Abadie"
    assert top["invoiced_total_cents"] == 99_999 and top["invoiced_orders_count"] == 1
    assert top["last_invoiced_order"]["number"].startswith("C-")
    zola = next(r for r in rows if r["id"] == base[0])
    assert zola["invoiced_total_cents"] == 15_050 and zola["invoiced_orders_count"] == 2
    assert zola["last_invoiced_order"]["invoiced_at"].startswith("2026-01-03")
    margaux = next(r for r in rows if r["id"] == base[8])
    assert margaux["location"] == {"postal_code": "33000", "city": "Bordeaux", "country_code": "FR"}


@pytest.mark.parametrize(("sort", "direction"), list(itertools.product(SORTS, ["asc", "desc"])))
async def test_every_sort_pages_through_every_row_in_order(api, account, base, sort, direction):
    full = (
        await api.get(
            "/api/clients", params={"sort": sort, "direction": direction, "limit": 200}, headers=account.headers
        )
    ).json()["items"]
    paged, pages = await _walk(api, account, sort=sort, direction=direction, limit=5)
    assert pages == 3
    assert [r["id"] for r in paged] == [r["id"] for r in full]
    assert sorted(r["id"] for r in paged) == sorted(base)
    key = {
        "total_invoiced": lambda r: (r["invoiced_total_cents"], r["id"]),
        "invoiced_orders": lambda r: (r["invoiced_orders_count"], r["id"]),
        "last_invoiced_at": lambda r: ((r["last_invoiced_order"] or {}).get("invoiced_at", ""), r["id"]),
        "created_at": lambda r: r["id"],
        # The base has only Bordeaux (33000, FR) addresses: the clients without one come after them.
        "location": lambda r: (r["location"]["city"] is None, r["location"]["postal_code"] or "", r["id"]),
    }.get(sort)
    if key:
        assert paged == sorted(paged, key=key, reverse=direction == "desc")


async def test_name_sort_ignores_accents_and_case_and_follows_the_setting(api, account, base):
    by_first = [
        r["display_name"]
        for r in (await api.get("/api/clients", params={"sort": "name", "limit": 200}, headers=account.headers)).json()[
            "items"
        ]
    ]
    assert by_first[:4] == ["Anaïs Ébrard", "anne de la Tour", "cave des Chartrons", "Château Margaux"]
    await api.patch("/api/clients/settings", json={"name_order": "last_first"}, headers=account.headers)
    by_last = [
        r["display_name"]
        for r in (await api.get("/api/clients", params={"sort": "name", "limit": 200}, headers=account.headers)).json()[
            "items"
        ]
    ]
    assert by_last[:5] == ["Abadie Éric", "Boucher Hélène", "cave des Chartrons", "Château Margaux", "de la Tour anne"]
    assert by_last.index("Martin Luc") + 1 == by_last.index("Martin Zoé")
    assert by_last[-1] == "Zola Émile"


async def test_tabs_page_through_only_their_rows(api, account, base):
    rows, _ = await _walk(api, account, tab="prospects", sort="last_invoiced_at", direction="desc", limit=3)
    assert len(rows) == 8 and {r["status"] for r in rows} == {"prospect"}


async def test_a_cursor_is_bound_to_its_sort(api, account, base):
    page = (await api.get("/api/clients", params={"sort": "created_at", "limit": 2}, headers=account.headers)).json()
    other = await api.get(
        "/api/clients", params={"sort": "total_invoiced", "cursor": page["next_cursor"]}, headers=account.headers
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "cursor"
    for forged in (
        ["first_name", "asc", 5, 1],
        ["total_invoiced", "asc", "abc", 1],
        ["created_at", "asc", "yesterday", 1],
        ["created_at", "asc", "2026-01-01T00:00:00", 1],
    ):
        token = base64.urlsafe_b64encode(orjson.dumps(forged)).decode().rstrip("=")
        response = await api.get("/api/clients", params={"sort": forged[0], "cursor": token}, headers=account.headers)
        assert response.status_code == 422, forged
