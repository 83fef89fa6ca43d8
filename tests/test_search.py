"""Client search over every searchable field, the `q` text and the parameters meaning the same, errors, injection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import AMQP_URL, new_account
from tests.support import eventually, in_process, invoice_issued, order_payload, publish_event


class Base:
    """The searchable clients of one account, by nickname, and helpers to search them."""

    def __init__(self, api: Any, headers: dict[str, str]) -> None:
        self.api, self.headers = api, headers
        self.ids: dict[str, int] = {}
        self.invoice_ids: dict[int, int] = {}
        self.labels: dict[str, int] = {}

    async def add(self, nick: str, **fields: Any) -> int:
        response = await self.api.post("/api/clients", json=fields, headers=self.headers)
        assert response.status_code == 201, response.text
        self.ids[nick] = response.json()["id"]
        return self.ids[nick]

    async def label(self, kind: str, name: str) -> int:
        response = await self.api.post(f"/api/clients/{kind}", json={"name": name}, headers=self.headers)
        self.labels[name] = response.json()["id"]
        return self.labels[name]

    async def find(self, **params: Any) -> set[str]:
        """Nicknames of every match, walking all pages."""
        found, cursor = [], None
        while True:
            query = {**params, "limit": 3, **({"cursor": cursor} if cursor else {})}
            response = await self.api.get("/api/clients", params=query, headers=self.headers)
            assert response.status_code == 200, response.text
            page = response.json()
            found += [row["id"] for row in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(found) == len(set(found)), "a client was listed twice"
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[i] for i in found}

    async def problem(self, **params: Any) -> dict[str, Any]:
        response = await self.api.get("/api/clients", params=params, headers=self.headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        return response.json()


@pytest.fixture(scope="module")
async def base(clients_app) -> AsyncIterator[Base]:
    """A dozen clients covering every searchable field; invoices arrive as real events."""
    account = await new_account(clients_app, "Search")
    api = in_process(clients_app)
    await api.__aenter__()
    b = Base(api, account.headers)
    resto = await b.label("categories", "Restaurant")
    cave = await b.label("categories", "Caviste")
    vip = await b.label("tags", "VIP")
    salon = await b.label("tags", "Salon 2026")
    await b.label("tags", "Export")
    bordeaux = {"line1": "1 cours de l'Intendance", "postal_code": "33000", "city": "Bordeaux"}
    await b.add(
        "helene",
        first_name="Hélène",
        last_name="Boucher",
        email="helene@exemple.fr",
        phone="06 12 34 56 78",
        billing_address=bordeaux,
        category_id=resto,
        tag_ids=[vip, salon],
        accepts_emailing=True,
    )
    await b.add(
        "margaux",
        company_name="Château Margaux",
        phone="05.57.88.83.83",
        category_id=cave,
        tag_ids=[vip],
        billing_address={"line1": "Le château", "postal_code": "33460", "city": "Margaux-Cantenac"},
        price_grid_id=7,
    )
    await b.add(
        "emilion",
        company_name="Cave de Saint-Émilion",
        tag_ids=[salon],
        billing_address={"line1": "2 place", "postal_code": "33330", "city": "Saint-Émilion"},
        accepts_mailing=False,
    )
    await b.add(
        "ajaccio",
        first_name="Paul",
        last_name="Casanova",
        mobile="+33 4 95 00 00 01",
        billing_address={"line1": "Port", "postal_code": "20000", "city": "Ajaccio"},
    )
    await b.add(
        "bastia",
        first_name="Marie",
        last_name="Santoni",
        billing_address={"line1": "Quai", "postal_code": "20200", "city": "Bastia"},
    )
    await b.add(
        "brussels",
        company_name="Wijnhuis Brussel",
        email="info@wijnhuis.be",
        phone="+32 2 123 45 67",
        billing_address={"line1": "Rue", "postal_code": "1000", "city": "Bruxelles", "country_code": "BE"},
        category_id=resto,
    )
    await b.add("oeillet", first_name="Luc", last_name="Œillet", price_grid_id=7)
    await b.add("percent", company_name="100% Bio_Vins", tag_ids=[vip])
    await b.add("nobody", last_name="Anonyme", billing_address={"postal_code": "75011", "city": "Paris"})
    await b.add("blocked", company_name="Mauvais Payeur", email="compta@payeur.fr")
    assert (
        await api.post(f"/api/clients/{b.ids['blocked']}/block", json={"reason": "impayés"}, headers=b.headers)
    ).status_code == 200
    contact = {"first_name": "Jeanne", "last_name": "Sommelière", "email": "jeanne@margaux.fr", "phone": "0611223344"}
    assert (
        await api.post(f"/api/clients/{b.ids['margaux']}/contacts", json=contact, headers=b.headers)
    ).status_code == 201
    # Invoices: helene 3 (the last in March 2026), margaux 1, brussels 5.
    invoices = [
        ("helene", 1, 10_000, "2025-06-10"),
        ("helene", 2, 20_000, "2026-01-15"),
        ("helene", 3, 5_050, "2026-03-31T22:30:00+00:00"),
        ("margaux", 4, 1_000_000, "2024-02-01"),
        *[("brussels", n, 2_000, f"2026-0{n - 4}-01") for n in range(5, 10)],
    ]
    for nick, n, total, day in invoices:
        invoice_id = account.id.int % 10**9 * 100 + n
        issued = datetime.fromisoformat(day if "T" in day else f"{day}T10:00:00+00:00").astimezone(UTC)
        await publish_event(
            AMQP_URL,
            exchange="negoce.orders",
            event_type="order.created",
            account_id=account.id,
            payload=order_payload(order_id=invoice_id, client_id=b.ids[nick], created_at=issued, total_cents=total),
        )
        # An invoiced order was placed: `orders` counts orders placed, which order.invoiced brings.
        await publish_event(
            AMQP_URL,
            exchange="negoce.orders",
            event_type="order.invoiced",
            account_id=account.id,
            payload=order_payload(
                order_id=invoice_id,
                client_id=b.ids[nick],
                created_at=issued,
                total_cents=total,
                version=3,
                state="invoiced",
            ),
        )
        await publish_event(
            AMQP_URL,
            exchange="negoce.orders",
            event_type="invoice.issued",
            account_id=account.id,
            payload=invoice_issued(
                client_id=b.ids[nick],
                invoice_id=invoice_id,
                order_id=invoice_id,
                total_cents=total,
                issued_at=issued,
                number=f"F2026-{n:05d}",
            ),
        )
    await eventually(lambda: _invoiced(b, len(invoices)))
    await eventually(lambda: _placed(b))
    b.invoice_ids = {n: account.id.int % 10**9 * 100 + n for _, n, _, _ in invoices}
    yield b
    await api.__aexit__(None, None, None)


async def _invoiced(b: Base, expected: int) -> bool:
    rows = (await b.api.get("/api/clients", params={"tab": "clients", "limit": 50}, headers=b.headers)).json()
    orders = (await b.api.get(f"/api/clients/{b.ids['brussels']}/orders", headers=b.headers)).json()
    return sum(row["invoiced_orders_count"] for row in rows["items"]) == expected and len(orders["items"]) == 5


async def _placed(b: Base) -> bool:
    # Each client's count reaches its number of invoiced orders once every order.invoiced is applied.
    counts = {"helene": 3, "margaux": 1, "brussels": 5}
    found = {nick: await b.find(q=f"orders:{n}") for nick, n in counts.items()}
    return all(found[nick] == {nick} for nick in counts)


SEARCHES = [
    # names: accents, case, partial, contacts, several words
    ({"q": "helene"}, {"helene"}),
    ({"q": "HÉLÈNE bouch"}, {"helene"}),
    ({"q": "chat"}, {"margaux"}),
    ({"q": "sommeliere"}, {"margaux"}),
    ({"q": '"saint emilion"'}, {"emilion"}),
    ({"q": "saint-emilion"}, {"emilion"}),
    ({"q": "oeillet"}, {"oeillet"}),
    ({"name": "château margaux"}, {"margaux"}),
    ({"q": "name:100%"}, {"percent"}),
    ({"q": "bio_"}, {"percent"}),
    # LIKE's wildcards are plain characters
    ({"q": "email:%"}, set()),
    ({"email": "_"}, set()),
    ({"q": "invoice:%"}, set()),
    # e-mail and phone in any notation, the contacts' too
    ({"q": "email:exemple.fr"}, {"helene"}),
    ({"email": "JEANNE@"}, {"margaux"}),
    ({"q": "phone:0612345678"}, {"helene"}),
    ({"q": 'phone:"06 12 34 56 78"'}, {"helene"}),
    ({"phone": "06.12.34.56.78"}, {"helene"}),
    ({"phone": "+33 6 12 34 56 78"}, {"helene"}),
    ({"phone": "0033612345678"}, {"helene"}),
    ({"phone": "05 57 88"}, {"margaux"}),
    ({"phone": "06 11 22 33 44"}, {"margaux"}),
    ({"phone": "+32 2 123 45 67"}, {"brussels"}),
    ({"phone": "0495000001"}, {"ajaccio"}),
    # places
    ({"q": "cp:33000"}, {"helene"}),
    ({"q": "cp:334"}, {"margaux"}),
    ({"postal_code": ["33000", "75"]}, {"helene", "nobody"}),
    ({"q": "dept:33"}, {"helene", "margaux", "emilion"}),
    ({"department": ["2A"]}, {"ajaccio"}),
    ({"q": "dept:2B"}, {"bastia"}),
    ({"q": "dept:33,75"}, {"helene", "margaux", "emilion", "nobody"}),
    ({"q": "city:saint-emilion"}, {"emilion"}),
    ({"q": "city:margaux"}, {"margaux"}),
    ({"city": ["SAINT ÉMILION"]}, {"emilion"}),
    ({"q": "country:be"}, {"brussels"}),
    ({"q": "-country:fr"}, {"brussels"}),
    # labels
    ({"q": "cat:restaurant"}, {"helene", "brussels"}),
    ({"category": ["caviste", "Restaurant"]}, {"helene", "brussels", "margaux"}),
    ({"q": "grid:7"}, {"margaux", "oeillet"}),
    ({"q": "tag:vip"}, {"helene", "margaux", "percent"}),
    ({"q": 'tag:vip tag:"salon 2026"'}, {"helene"}),
    ({"q": 'tag:"export,salon 2026"'}, {"helene", "emilion"}),
    ({"tags_any": ["Salon 2026", "export"]}, {"helene", "emilion"}),
    ({"tags_all": ["VIP", "Salon 2026"]}, {"helene"}),
    ({"q": 'tag:vip -tag:"salon 2026"'}, {"margaux", "percent"}),
    ({"tags_any": ["vip"], "tags_none": ["Salon 2026"]}, {"margaux", "percent"}),
    # order and invoice references, from the order events
    ({"q": "invoice:F2026-00004"}, {"margaux"}),
    ({"q": "invoice:0000"}, {"helene", "margaux", "brussels"}),
    ({"invoice_number": "f2026-0000 1"}, set()),
    ({"q": "order:C-"}, {"helene", "margaux", "brussels"}),
    # statistics
    ({"q": "orders:3"}, {"helene"}),
    ({"q": "orders>=3"}, {"helene", "brussels"}),
    ({"q": "orders<=1 orders>0"}, {"margaux"}),
    ({"q": "orders:2..4"}, {"helene"}),
    ({"orders_min": 1, "orders_max": 3}, {"helene", "margaux"}),
    ({"q": "orders:0 -blocked:yes"}, {"emilion", "ajaccio", "bastia", "oeillet", "percent", "nobody"}),
    ({"q": "total>=350,50"}, {"helene", "margaux"}),
    ({"q": "total:350,50"}, {"helene"}),
    ({"total_min": "100", "total_max": "350.49"}, {"brussels"}),
    ({"q": "total>10000"}, set()),
    ({"q": "total>=10000"}, {"margaux"}),
    # last invoiced day in Paris: 2026-03-31 22:30 UTC is already April 1st there (UTC+2)
    ({"q": "invoiced:2026-04-01"}, {"helene"}),
    ({"q": "invoiced:2026-03"}, set()),
    ({"q": "invoiced:2026-05..2026"}, {"brussels"}),
    ({"invoiced_from": "01/01/2026", "invoiced_to": "30/04/2026"}, {"helene"}),
    ({"q": "invoiced<2025"}, {"margaux"}),
    ({"q": "created:2026 name:hel"}, {"helene"}),
    ({"q": "created<2020"}, set()),
    # flags and status
    ({"q": "has:email"}, {"helene", "margaux", "brussels", "blocked"}),
    ({"has_phone": True}, {"helene", "margaux", "ajaccio", "brussels"}),
    ({"q": "-has:address"}, {"oeillet", "percent", "nobody", "blocked"}),
    ({"q": "emailing:yes"}, {"helene"}),
    ({"accepts_mailing": False}, {"emilion"}),
    ({"q": "blocked:yes"}, {"blocked"}),
    ({"q": "is:client"}, {"helene", "margaux", "brussels"}),
    ({"status": "prospect", "q": "dept:33"}, {"emilion"}),
    ({"tab": "clients", "q": "dept:33"}, {"helene", "margaux"}),
    # the README's example
    ({"q": "château tag:vip orders>=1 has:email dept:33"}, {"margaux"}),
    # one search box: a bare word is looked for in every field it may come from
    ({"q": "06.12.34.56.78"}, {"helene"}),
    ({"q": "+33612345678"}, {"helene"}),
    ({"q": '"06 12 34 56 78"'}, {"helene"}),
    ({"q": "0611223344"}, {"margaux"}),
    ({"q": "Helene@Exemple.fr"}, {"helene"}),
    ({"q": "jeanne@margaux"}, {"margaux"}),
    ({"q": "wijnhuis.be"}, {"brussels"}),
    ({"q": "F2026-00004"}, {"margaux"}),
    ({"q": "f2026-0000"}, {"helene", "margaux", "brussels"}),
    ({"q": "411BOUCHER"}, {"helene"}),
    ({"q": "411casa"}, {"ajaccio"}),
    ({"q": "33460"}, {"margaux"}),
    ({"q": "2000"}, {"ajaccio"}),
    ({"q": "bruxelles"}, {"brussels"}),
    ({"q": "SAINT-ÉMILION"}, {"emilion"}),
    ({"q": "100%"}, {"percent", "brussels"}),
    ({"q": "-bruxelles -bastia -paris tag:vip"}, {"helene", "margaux", "percent"}),
]


@pytest.mark.parametrize(("params", "expected"), SEARCHES, ids=[str(p) for p, _ in SEARCHES])
async def test_search_finds_exactly(base, params, expected):
    assert await base.find(**params) == expected


PAIRS = [
    ('tag:vip -tag:"salon 2026" dept:33', {"tags_any": ["vip"], "tags_none": ["Salon 2026"], "department": ["33"]}),
    ("orders:1..3 total>=100", {"orders_min": 1, "orders_max": 3, "total_min": "100"}),
    ("has:phone -has:email emailing:no", {"has_phone": True, "has_email": False, "accepts_emailing": False}),
    (
        "invoiced:2026 cat:restaurant",
        {"invoiced_from": "2026-01-01", "invoiced_to": "2026-12-31", "category": ["restaurant"]},
    ),
]


@pytest.mark.parametrize(("text", "params"), PAIRS, ids=[t for t, _ in PAIRS])
async def test_text_and_parameters_mean_the_same(base, text, params):
    by_text = await base.find(q=text)
    assert by_text == await base.find(**params)
    assert by_text, "pick searches that match something, or the comparison proves little"


async def test_search_counts_matches_not_the_base(base):
    page = (await base.api.get("/api/clients", params={"q": "dept:33"}, headers=base.headers)).json()
    assert page["counts"] == {"all": 3, "clients": 2, "prospects": 1, "exact": True}
    plain = (await base.api.get("/api/clients", headers=base.headers)).json()
    assert plain["counts"]["all"] == len(base.ids)


async def test_sorted_search_pages_follow_the_sort(base):
    rows = (
        await base.api.get(
            "/api/clients",
            params={"q": "orders>=1", "sort": "total_invoiced", "direction": "desc"},
            headers=base.headers,
        )
    ).json()["items"]
    assert [r["id"] for r in rows] == [base.ids["margaux"], base.ids["helene"], base.ids["brussels"]]


async def _order_of(base, q: str) -> tuple[str, list[str]]:
    page = (await base.api.get("/api/clients", params={"q": q}, headers=base.headers)).json()
    by_id = {v: k for k, v in base.ids.items()}
    return page["sort"], [by_id[row["id"]] for row in page["items"]]


async def test_best_matches_come_first(clients_app):
    account = await new_account(clients_app, "Relevance")
    async with in_process(clients_app) as api:
        b = Base(api, account.headers)
        # Added in an order the name sort would keep: the best match must overtake it.
        await b.add("amargaux", company_name="Amargaux Vins")
        await b.add(
            "city",
            company_name="Domaine du Lac",
            billing_address={"line1": "1 route", "postal_code": "33460", "city": "Margaux-Cantenac"},
        )
        await b.add("word", company_name="Château Margaux", email="contact@chateau-margaux.fr")
        await b.add("phone", company_name="Cave Zénith", phone="05 57 88 83 83")
        await b.add("phone_part", company_name="Cave Alpha", phone="05 57 88 83 84")
        # Equal to a word first, then a field beginning with it, then one only containing it.
        assert await _order_of(b, "margaux") == ("relevance", ["word", "city", "amargaux"])
        assert await _order_of(b, "0557888383") == ("relevance", ["phone"])
        assert await _order_of(b, "05.57.88.83") == ("relevance", ["phone_part", "phone"])
        # Two words add up: both equal words beat one.
        assert (await _order_of(b, "chateau margaux"))[1] == ["word"]
        # An explicit sort wins over relevance; relevance pages with its own cursors.
        page = (await api.get("/api/clients", params={"q": "margaux", "sort": "created_at"}, headers=b.headers)).json()
        assert page["sort"] == "created_at"
        assert await b.find(q="margaux") == {"word", "city", "amargaux"}


async def test_a_search_without_words_keeps_the_name_order(base):
    page = (await base.api.get("/api/clients", params={"q": "dept:33"}, headers=base.headers)).json()
    assert page["sort"] in ("first_name", "last_name")


MALFORMED = [
    ("tag:", 1, "value is missing"),
    ("helene colour:red", 8, "unknown field 'colour'"),
    ('name:"open', 1, "never closed"),
    ("orders>=many", 1, "whole number"),
    ("orders:5..2", 1, "starts after it ends"),
    ("total>=12,345", 1, "2 decimals"),
    ("invoiced:31/02/2026", 1, "not a date of the calendar"),
    ("x created:yesterday", 3, "a date is"),
    ("dept:3", 1, "department"),
    ("country:France", 1, "two-letter"),
    ("has:fax", 1, "has: takes"),
    ("blocked:maybe", 1, "yes or no"),
    ("city>=paris", 1, "only applies to"),
    ("tag:nope", 1, "no tag is named 'nope'"),
    ("ok cat:bistrot", 4, "no category is named 'bistrot'"),
    ("-", 1, "needs letters"),
    ("phone:abc", 1, "2 digits"),
    ("a " * 31, 61, "at most 30 terms"),
]


@pytest.mark.parametrize(("text", "position", "message"), MALFORMED, ids=[m[0][:20] for m in MALFORMED])
async def test_malformed_text_names_position_and_problem(base, text, position, message):
    problem = await base.problem(q=text)
    error = problem["errors"][0]
    assert (error["field"], error["position"]) == ("q", position)
    assert message in error["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"orders_min": -1}, "orders_min"),
        ({"total_max": "ten"}, "total_max"),
        ({"invoiced_from": "2026-13-01"}, "invoiced_from"),
        ({"department": ["999x"]}, "department"),
        ({"tags_all": ["unknown tag"]}, "tags_all"),
        ({"status": "ghost"}, "status"),
        ({"created_from": "2026-05-01", "created_to": "2026-04-01"}, "created_to"),
        ({"price_grid": ["0"]}, "price_grid"),
        ({"country": ["F"]}, "country"),
    ],
)
async def test_bad_parameters_name_the_parameter(base, params, field):
    problem = await base.problem(**params)
    assert field in {e["field"] for e in problem["errors"]} | {problem["errors"][0]["field"].split(".")[-1]}


INJECTIONS = [
    "'; DROP TABLE clients; --",
    "name:\"x' OR '1'='1\"",
    'email:"%\' OR 1=1 --"',
    'city:"\\\' OR 1=1"',
    'invoice:"%\') UNION SELECT id FROM accounts --"',
    "\\%",
    'tag:"vip\'); DELETE FROM client_tags; --"',
]


@pytest.mark.parametrize("text", INJECTIONS)
async def test_nothing_typed_changes_the_sql(base, sql, text):
    response = await base.api.get("/api/clients", params={"q": text}, headers=base.headers)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["items"] == []
    assert (
        await sql(
            "SELECT count(*) FROM clients WHERE account_id = (SELECT account_id FROM clients WHERE id = :id)",
            id=base.ids["helene"],
        )
    )[0][0] == len(base.ids)
    assert (await sql("SELECT count(*) FROM client_tags WHERE client_id = :id", id=base.ids["helene"]))[0][0] == 2


async def test_search_keys_follow_contact_changes(base):
    contact = (
        await base.api.post(
            f"/api/clients/{base.ids['nobody']}/contacts",
            json={"last_name": "Quintessence", "mobile": "07 00 00 00 07"},
            headers=base.headers,
        )
    ).json()
    assert await base.find(q="quintess") == {"nobody"}
    assert await base.find(phone="+33 7 00 00 00 07") == {"nobody"}
    await base.api.patch(
        f"/api/clients/{base.ids['nobody']}/contacts/{contact['id']}",
        json={"last_name": "Zénith"},
        headers=base.headers,
    )
    assert await base.find(q="quintess") == set()
    assert await base.find(q="zenith") == {"nobody"}
    await base.api.delete(f"/api/clients/{base.ids['nobody']}/contacts/{contact['id']}", headers=base.headers)
    assert await base.find(q="zenith") == set()


async def test_other_accounts_clients_are_never_found(base, clients_app):
    other = await new_account(clients_app, "Other")
    async with in_process(clients_app, other.headers) as api:
        await api.post("/api/clients", json={"first_name": "Hélène", "last_name": "Autre"})
        assert len((await api.get("/api/clients", params={"q": "helene"})).json()["items"]) == 1
    assert await base.find(q="autre") == set()


async def test_counts_of_a_broad_search_stop_at_the_cap(clients_app, sql):
    from services.clients.listing.service import MATCH_COUNT_CAP

    account = await new_account(clients_app, "Many")
    await sql(
        """
        WITH made AS (INSERT INTO clients (account_id, version, kind, last_name, billing_country,
                             shipping_same_as_billing, accounting_code, accepts_emailing, accepts_mailing,
                             show_note_on_orders, blocked, sort_first_last, sort_last_first, search_names)
        SELECT :a, 1, 'person', 'Client ' || n, 'FR', true, '411C' || n, false, true, false, false,
               'client ' || n, 'client ' || n, 'client ' || n
        FROM generate_series(1, :n) AS n RETURNING id) SELECT count(*) FROM made""",
        a=account.id,
        n=MATCH_COUNT_CAP + 5,
    )
    async with in_process(clients_app, account.headers) as api:
        broad = (await api.get("/api/clients", params={"q": "client"})).json()["counts"]
        assert broad["exact"] is False and broad["all"] > MATCH_COUNT_CAP
        narrow = (await api.get("/api/clients", params={"q": "client 1004"})).json()["counts"]
        assert narrow == {"all": 1, "clients": 0, "prospects": 1, "exact": True}
