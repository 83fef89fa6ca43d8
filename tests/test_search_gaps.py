"""The search gaps the seed names: the list sorted by location, orders placed (not only invoiced) as the
number of orders, and `grid:` by a price grid's name."""

import asyncio
import base64
import itertools
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.dialects import postgresql

from services.clients.base.list_order import Ordering, Tab, listed
from services.clients.models import LIST_SORT_COLUMNS, Client
from shared.events.orders import PriceGridCreated
from shared.migrations import upgrade
from tests.conftest import AMQP_URL, database_url, new_account, recreate_database
from tests.support import EventTap, eventually, order_payload, publish_event

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
    # On a small table the planner may serve a tab from the all-clients index, filtering the status as it
    # reads: either location index gives the order without a sort, which is what matters here.
    indexes: list[tuple[Tab, tuple[str, ...]]] = [
        ("all", ("ix_clients_list_location",)),
        ("prospects", ("ix_clients_tab_location", "ix_clients_list_location")),
    ]
    for tab, accepted in indexes:
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
        assert any(index in plan for index in accepted) and "Sort" not in plan, plan


# --- orders placed: confirmed or invoiced, neither drafts nor cancelled, whatever the events' order ---


class Orders:
    """Publishes one account's order events on the real broker, as the orders service's relay would."""

    def __init__(self, account) -> None:
        self.account = account
        self.ids = itertools.count(account.id.int % 10**9 * 1000 + 1)

    async def send(self, event_type: str, *, order_id: int, client_id: int, version: int, state: str) -> None:
        """Publish one order event carrying the order at this version and state."""
        payload = order_payload(
            order_id=order_id, client_id=client_id, created_at=CREATED, total_cents=1_000, version=version, state=state
        )
        await publish_event(
            AMQP_URL, exchange="negoce.orders", event_type=event_type, account_id=self.account.id, payload=payload
        )

    async def created(self, client_id: int) -> int:
        """A new draft order of the client."""
        order_id = next(self.ids)
        await self.send("order.created", order_id=order_id, client_id=client_id, version=1, state="draft")
        return order_id


CREATED = datetime(2026, 5, 4, 9, tzinfo=UTC)


async def _orders_found(api, account, **params) -> set[int]:
    rows = await _walk(api, account, limit=50, **params)
    return set(rows)


async def _settles(api, account, client_id: int, placed: int) -> None:
    """Wait until the client is found by exactly `placed` orders, in the text form and the parameters."""

    async def found() -> bool:
        by_text = client_id in await _orders_found(api, account, q=f"orders:{placed}")
        by_range = client_id in await _orders_found(api, account, orders_min=placed, orders_max=placed)
        return by_text and by_range

    await eventually(found)


async def test_orders_placed_count_confirmed_and_invoiced_orders_not_drafts_nor_cancelled(api, account):
    client_id = (await api.post("/api/clients", json={"last_name": "Passeur"}, headers=account.headers)).json()["id"]
    orders = Orders(account)
    first = await orders.created(client_id)
    second = await orders.created(client_id)
    await orders.created(client_id)  # stays a draft
    await _settles(api, account, client_id, 0)
    await orders.send("order.confirmed", order_id=first, client_id=client_id, version=2, state="confirmed")
    await orders.send("order.confirmed", order_id=second, client_id=client_id, version=2, state="confirmed")
    await _settles(api, account, client_id, 2)
    await orders.send("order.cancelled", order_id=second, client_id=client_id, version=3, state="cancelled")
    await _settles(api, account, client_id, 1)
    await orders.send("order.invoiced", order_id=first, client_id=client_id, version=3, state="invoiced")
    await orders.send("order.invoiced", order_id=first, client_id=client_id, version=3, state="invoiced")  # again
    await _settles(api, account, client_id, 1)
    assert client_id not in await _orders_found(api, account, q="orders>=2")
    assert client_id in await _orders_found(api, account, q="commandes>0")
    # The invoiced-orders count is the invoices' (none arrived): the list row still shows it, unchanged.
    row = next(
        r for r in (await api.get("/api/clients", headers=account.headers)).json()["items"] if r["id"] == client_id
    )
    assert row["invoiced_orders_count"] == 0 and row["status"] == "prospect"


async def test_orders_placed_converge_whatever_the_order_the_events_arrive_in(api, account):
    client_id = (await api.post("/api/clients", json={"last_name": "Désordre"}, headers=account.headers)).json()["id"]
    orders = Orders(account)
    kept, dropped = next(orders.ids), next(orders.ids)
    # Latest states first: the older versions that follow change nothing.
    await orders.send("order.invoiced", order_id=kept, client_id=client_id, version=3, state="invoiced")
    await orders.send("order.cancelled", order_id=dropped, client_id=client_id, version=3, state="cancelled")
    await orders.send("order.confirmed", order_id=dropped, client_id=client_id, version=2, state="confirmed")
    await orders.send("order.created", order_id=kept, client_id=client_id, version=1, state="draft")
    await orders.send("order.created", order_id=dropped, client_id=client_id, version=1, state="draft")
    await orders.send("order.confirmed", order_id=kept, client_id=client_id, version=2, state="confirmed")

    async def all_applied() -> bool:
        history = (await api.get(f"/api/clients/{client_id}/orders", headers=account.headers)).json()["items"]
        return sorted(item["state"] for item in history) == ["cancelled", "invoiced"]

    await eventually(all_applied)
    await _settles(api, account, client_id, 1)


async def test_a_merge_moves_the_orders_placed_to_the_kept_client(api, account):
    kept = (await api.post("/api/clients", json={"last_name": "Gardé"}, headers=account.headers)).json()["id"]
    merged = (await api.post("/api/clients", json={"last_name": "Fondu"}, headers=account.headers)).json()["id"]
    orders = Orders(account)
    for client_id in (kept, merged):
        order_id = await orders.created(client_id)
        await orders.send("order.confirmed", order_id=order_id, client_id=client_id, version=2, state="confirmed")
    await _settles(api, account, kept, 1)
    await _settles(api, account, merged, 1)
    response = await api.post(
        "/api/clients/merge", json={"kept_client_id": kept, "merged_client_id": merged}, headers=account.headers
    )
    assert response.is_success, response.text
    await _settles(api, account, kept, 2)


def test_the_migration_counts_the_orders_placed_the_clients_database_already_holds():
    url = database_url("clients", sync=True).replace("_test", "_test_placed_orders")
    recreate_database(url)
    upgrade(service="clients", sync_url=url, revision="0014")
    engine = create_engine(url)
    account = uuid.uuid4()
    client = (
        "INSERT INTO clients (account_id, version, kind, last_name, billing_country, shipping_same_as_billing,"
        " accounting_code, accepts_emailing, accepts_mailing, show_note_on_orders, blocked, sort_first_last,"
        " sort_last_first) VALUES (:a, 1, 'person', :n, 'FR', true, :n, false, true, false, false, :n, :n)"
        " RETURNING id"
    )
    order = (
        "INSERT INTO client_orders (account_id, order_id, client_id, ship_to_client_id, order_number, state, version,"
        " total_cents, currency, created_at) VALUES (:a, :o, :c, :c, :n, :s, 1, 100, 'EUR', now())"
    )
    states = {"Actif": ["confirmed", "invoiced", "invoiced", "draft", "cancelled"], "Brouillon": ["draft"], "Vide": []}
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO accounts (id, name) VALUES (:a, 'Old')"), {"a": account})
            ids = {name: connection.execute(text(client), {"a": account, "n": name}).scalar_one() for name in states}
            number = itertools.count(1)
            for name, client_states in states.items():
                for state in client_states:
                    n = next(number)
                    connection.execute(
                        text(order), {"a": account, "o": n, "c": ids[name], "n": f"C-{n:06d}", "s": state}
                    )
        upgrade(service="clients", sync_url=url, revision="0015")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT last_name, placed_orders_count FROM clients")).all()
    finally:
        engine.dispose()
    assert dict(rows) == {"Actif": 3, "Brouillon": 0, "Vide": 0}


# --- grid: takes a price grid's name, kept in the clients service by the orders service's events ---


async def _grid(orders_api, account, name: str) -> int:
    response = await orders_api.post("/api/orders/price-grids", json={"name": name}, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _gridded(api, account, name: str, grid_id: int | None) -> int:
    body = {"last_name": name, **({"price_grid_id": grid_id} if grid_id else {})}
    response = await api.post("/api/clients", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _found(api, account, q: str) -> set[int]:
    response = await api.get("/api/clients", params={"q": q, "limit": 100}, headers=account.headers)
    assert response.status_code == 200, response.text
    return {row["id"] for row in response.json()["items"]}


async def test_grid_takes_a_name_quoted_and_folded_and_follows_a_rename(api, orders_api, account):
    pro_grid, summer_grid = await _grid(orders_api, account, "Tarif Pro"), await _grid(orders_api, account, "Été")
    # Names are unique as typed in the orders service, so two can fold to the same search key.
    shouting_grid = await _grid(orders_api, account, "ETE")
    pro = await _gridded(api, account, "Pro", pro_grid)
    summer = await _gridded(api, account, "Estival", summer_grid)
    shouting = await _gridded(api, account, "Criard", shouting_grid)
    plain = await _gridded(api, account, "Sans grille", None)

    async def replicated() -> bool:
        return await _found(api, account, 'grid:"tarif pro"') == {pro}

    await eventually(replicated)
    assert await _found(api, account, 'grille:"TARIF PRO"') == {pro}
    assert await _found(api, account, f"grid:{pro_grid}") == {pro}
    assert await _found(api, account, "grid:ete") == {summer, shouting}
    assert await _found(api, account, f"grid:ete,{pro_grid}") == {pro, summer, shouting}
    assert await _found(api, account, '-grid:"tarif pro"') == {summer, shouting, plain}
    assert await _found(api, account, "grid:inconnue") == set()
    assert await _found(api, account, "-grid:inconnue") == {pro, summer, shouting, plain}
    by_param = await api.get("/api/clients", params={"price_grid": "Tarif pro"}, headers=account.headers)
    assert {row["id"] for row in by_param.json()["items"]} == {pro}

    renamed = await orders_api.patch(
        f"/api/orders/price-grids/{pro_grid}", json={"name": "Tarif Professionnels"}, headers=account.headers
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Tarif Professionnels"

    async def follows() -> bool:
        return await _found(api, account, 'grid:"tarif professionnels"') == {pro}

    await eventually(follows)
    assert await _found(api, account, 'grid:"tarif pro"') == set()


async def test_renaming_a_grid_is_checked_and_published(api, orders_api, clients_app, account):
    first, second = await _grid(orders_api, account, "Caviste"), await _grid(orders_api, account, "Export")
    async with EventTap(AMQP_URL, "negoce.orders") as tap:
        taken = await orders_api.patch(
            f"/api/orders/price-grids/{second}", json={"name": "Caviste"}, headers=account.headers
        )
        blank = await orders_api.patch(f"/api/orders/price-grids/{second}", json={"name": ""}, headers=account.headers)
        unknown = await orders_api.patch(
            "/api/orders/price-grids/999999999", json={"name": "X"}, headers=account.headers
        )
        other = await new_account(clients_app, "Other")
        foreign = await orders_api.patch(f"/api/orders/price-grids/{first}", json={"name": "X"}, headers=other.headers)
        done = await orders_api.patch(
            f"/api/orders/price-grids/{second}", json={"name": "Grand export"}, headers=account.headers
        )

        async def renamed():
            mine = [b for b in tap.bodies() if b["account_id"] == str(account.id) and b["type"] == "price_grid.renamed"]
            return mine or None

        bodies = await eventually(renamed)
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "name"
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "name"
    assert unknown.status_code == 404 and foreign.status_code == 404
    assert done.status_code == 200
    assert [b["payload"] for b in bodies] == [{"grid_id": second, "name": "Grand export", "version": 2}]
    grids = {
        g["id"]: g["name"] for g in (await orders_api.get("/api/orders/price-grids", headers=account.headers)).json()
    }
    assert grids == {first: "Caviste", second: "Grand export"}


async def test_the_replica_keeps_the_latest_name_whatever_the_arrival_order(api, account):
    grid_id = account.id.int % 10**9 + 1
    client_id = await _gridded(api, account, "Désordonné", grid_id)
    for event_type, name, version in (
        ("price_grid.renamed", "Troisième", 3),
        ("price_grid.created", "Premier", 1),
        ("price_grid.renamed", "Deuxième", 2),
    ):
        payload = {"grid_id": grid_id, "name": name, "version": version}
        await publish_event(
            AMQP_URL, exchange="negoce.orders", event_type=event_type, account_id=account.id, payload=payload
        )

    async def latest() -> bool:
        return await _found(api, account, "grid:troisieme") == {client_id}

    await eventually(latest)
    # Give the older events time to arrive: they must not bring an older name back.
    await asyncio.sleep(1)
    assert await _found(api, account, "grid:premier") == set() and await _found(api, account, "grid:deuxieme") == set()
    assert await _found(api, account, "grid:troisieme") == {client_id}


def test_the_orders_migration_publishes_every_existing_grid_once():
    url = database_url("orders", sync=True).replace("_test", "_test_grid_events")
    recreate_database(url)
    upgrade(service="orders", sync_url=url, revision="0009")
    engine = create_engine(url)
    accounts = [uuid.uuid4(), uuid.uuid4()]
    grids = [(accounts[0], "Tarif public"), (accounts[0], "Été"), (accounts[1], "Tarif public")]
    try:
        with engine.begin() as connection:
            ids = [
                connection.execute(
                    text(
                        "INSERT INTO price_grids (account_id, name, includes_tax, is_default)"
                        " VALUES (:a, :n, true, false) RETURNING id"
                    ),
                    {"a": account, "n": name},
                ).scalar_one()
                for account, name in grids
            ]
        upgrade(service="orders", sync_url=url, revision="0011")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, account_id, routing_key, body FROM outbox ORDER BY position")
            ).all()
    finally:
        engine.dispose()
    events = [PriceGridCreated.model_validate(row.body) for row in rows]
    assert [row.routing_key for row in rows] == ["price_grid.created"] * 3
    assert [row.id for row in rows] == [e.event_id for e in events] and len({row.id for row in rows}) == 3
    assert [(e.account_id, e.payload.grid_id, e.payload.name, e.payload.version) for e in events] == [
        (account, grid_id, name, 1) for (account, name), grid_id in zip(grids, ids, strict=True)
    ]
