"""The search gaps the seed names: the list sorted by location, orders placed (not only invoiced) as the
number of orders, and `grid:` by a price grid's name."""

import base64

import orjson
import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql

from services.clients.base.list_order import Ordering, Tab, listed
from services.clients.models import LIST_SORT_COLUMNS, Client

# (name, billing address or None): what a merchant's base looks like, in the location order expected.
PLACES = [
    ("Brasserie Bruxelloise", {"postal_code": "1000", "city": "Bruxelles", "country_code": "BE"}),
    ("Cave d'Angers", {"city": "Angers", "country_code": "FR"}),  # no postal code: before every one
    ("Cave des Chartrons", {"postal_code": "33000", "city": "Bordeaux"}),
    ("Clos Saint-Christophe", {"postal_code": "33330", "city": "saint-christophe-des-bardes"}),
    ("Château Figeac", {"postal_code": "33330", "city": "Saint-Émilion"}),
    ("Épicerie Lyonnaise", {"postal_code": "69001", "city": "Lyon"}),
    ("Bar sans adresse", None),
    ("Zinc sans adresse", None),
]


@pytest.fixture
async def places(api, account):
    """The clients of PLACES, created out of their order; their ids in the expected ascending order."""
    ids: dict[str, int] = {}
    for name, address in reversed(PLACES):
        body = {"company_name": name, **({"billing_address": address} if address else {})}
        response = await api.post("/api/clients", json=body, headers=account.headers)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return [ids[name] for name, _ in PLACES]


async def _walk(api, account, **params):
    rows, cursor = [], None
    while True:
        page = (
            await api.get(
                "/api/clients", params={**params, **({"cursor": cursor} if cursor else {})}, headers=account.headers
            )
        ).json()
        rows += [row["id"] for row in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            return rows


async def test_location_sorts_by_country_postal_code_then_folded_city_without_address_last(api, account, places):
    # Without an address, the two tie on their key and come in id order (created Zinc first).
    expected = places[:-2] + sorted(places[-2:])
    assert await _walk(api, account, sort="location", limit=3) == expected
    descending = await _walk(api, account, sort="location", direction="desc", limit=3)
    assert descending == list(reversed(expected))
    prospects = await _walk(api, account, sort="location", tab="prospects", limit=2)
    assert prospects == expected
    assert await _walk(api, account, sort="location", tab="clients", limit=2) == []


async def test_location_sort_follows_an_address_change_and_combines_with_a_search(api, account, places):
    moved = places[-1]  # Zinc, without an address, moves to Belgium
    response = await api.patch(
        f"/api/clients/{moved}",
        json={"billing_address": {"postal_code": "1050", "city": "Ixelles", "country_code": "BE"}},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    order = await _walk(api, account, sort="location", limit=4)
    assert order[:2] == [places[0], moved] and order[-1] == places[-2]
    gironde = await _walk(api, account, sort="location", direction="desc", q="dept:33", limit=2)
    assert gironde == [places[4], places[3], places[2]]


async def test_a_location_cursor_forged_with_another_type_is_422(api, account, places):
    forged = base64.urlsafe_b64encode(orjson.dumps(["location", "asc", 12, places[0]])).decode().rstrip("=")
    response = await api.get("/api/clients", params={"sort": "location", "cursor": forged}, headers=account.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"


async def test_the_location_sort_reads_its_index(clients_app, account, places):
    indexes: list[tuple[Tab, str]] = [("all", "ix_clients_list_location"), ("prospects", "ix_clients_tab_location")]
    for tab, index in indexes:
        query = (
            select(Client.id, LIST_SORT_COLUMNS["location"])
            .where(*listed(account.id, tab))
            .order_by(*Ordering(sort="location", direction="asc").order_by())
            .limit(50)
        )
        statement = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        # Eight rows would rather be read whole and sorted: forbidding both shows the index serves the order,
        # which it can only if the query's key is the very expression the index holds.
        async with clients_app.state.context.engine.begin() as connection:
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            await connection.execute(text("SET LOCAL enable_sort = off"))
            plan = "\n".join((await connection.execute(text("EXPLAIN " + statement))).scalars())
        assert index in plan and "Sort" not in plan, plan
