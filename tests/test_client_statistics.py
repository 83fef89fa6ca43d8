"""A client's statistics and top products follow hand-published order events.

Periods are months or years in the account's time zone (Europe/Paris by default), so an
invoice at 2026-01-31T23:30Z counts in February.
"""

from datetime import UTC, datetime

import pytest

from tests.conftest import AMQP_URL, new_account
from tests.support import (
    container,
    eventually,
    invoice_cancelled,
    invoice_issued_with_lines,
    order_payload,
    product_line,
    publish_event,
    shipment_line,
    shipment_shipped,
)

BOTTLE = container(11, short_name="75 cl", millilitres=750)
MAGNUM = container(12, short_name="150 cl", millilitres=1500, kind="magnum")


def at(text: str) -> datetime:
    """A UTC instant from '2026-01-31T23:30'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def _send(account, event_type, payload):
    await publish_event(
        AMQP_URL, exchange="negoce.orders", event_type=event_type, account_id=account.id, payload=payload
    )


async def _client(api, account, name):
    return (await api.post("/api/clients", json={"last_name": name}, headers=account.headers)).json()["id"]


async def _statistics(api, account, client_id, **params):
    response = await api.get(f"/api/clients/{client_id}/statistics", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _figures(body):
    return {p["period"]: (p["orders"], p["revenue_cents"], p["units"], p["litres"]) for p in body["periods"]}


async def _order(account, event_type, client_id, order_id, created_at, lines, **fields):
    total = sum(line["line_total_cents"] for line in lines)
    await _send(
        account,
        event_type,
        order_payload(
            order_id=order_id, client_id=client_id, created_at=created_at, total_cents=total, lines=lines, **fields
        ),
    )


async def _history(account, client_id):
    """Three months of a client's orders, invoices and deliveries, published in no useful order."""
    o1 = [product_line(order_line_id=1, variant_id=101, container=BOTTLE, quantity="6", unit_price_cents=1_000)]
    o2 = [product_line(order_line_id=2, variant_id=102, container=MAGNUM, quantity="2", unit_price_cents=2_000)]
    o3 = [product_line(order_line_id=3, variant_id=101, container=BOTTLE, quantity="12", unit_price_cents=1_000)]
    o4 = [
        product_line(order_line_id=4, variant_id=101, container=BOTTLE, quantity="3", unit_price_cents=1_000),
        product_line(order_line_id=5, variant_id=102, container=MAGNUM, quantity="1", unit_price_cents=2_000),
    ]
    base = client_id * 1_000
    # 2025-12-31T23:30Z is already 1 January 2026 in Paris.
    await _order(
        account, "order.confirmed", client_id, base + 1, at("2025-12-31T23:30"), o1, version=2, state="confirmed"
    )
    await _order(account, "order.created", client_id, base + 1, at("2025-12-31T23:30"), o1)
    await _order(account, "order.created", client_id, base + 2, at("2026-01-31T23:30"), o2)
    await _order(
        account, "order.cancelled", client_id, base + 3, at("2026-02-10T10:00"), o3, version=2, state="cancelled"
    )
    await _order(account, "order.created", client_id, base + 3, at("2026-02-10T10:00"), o3)
    await _order(account, "order.created", client_id, base + 4, at("2026-03-05T10:00"), o4)
    invoices = [
        (base + 1, o1, "2026-01-20T10:00"),
        (base + 2, o2, "2026-01-31T23:30"),
        (base + 4, o4, "2026-03-06T10:00"),
        (base + 9, o4, "2026-03-01T10:00"),
    ]
    for invoice_id, lines, issued in invoices:
        await _send(
            account,
            "invoice.issued",
            invoice_issued_with_lines(
                client_id=client_id,
                invoice_id=invoice_id,
                order_id=invoice_id if invoice_id != base + 9 else base + 4,
                issued_at=at(issued),
                lines=lines,
            ),
        )
    await _send(
        account,
        "invoice.cancelled",
        invoice_cancelled(
            client_id=client_id, invoice_id=base + 9, order_id=base + 4, cancelled_at=at("2026-03-02T09:00")
        ),
    )
    shipments = [
        (base + 1, o1, "2026-01-22T08:00"),
        (base + 2, o2, "2026-02-28T23:30"),
        (base + 4, o4, "2026-03-07T08:00"),
    ]
    for shipment_id, lines, shipped in shipments:
        await _send(
            account,
            "shipment.shipped",
            shipment_shipped(
                shipment_id=shipment_id,
                order_id=shipment_id,
                client_id=client_id,
                shipped_at=at(shipped),
                lines=[shipment_line(line) for line in lines],
            ),
        )


FIRST_QUARTER = {"2026-01": (1, 6_000, 6, 4.5), "2026-02": (1, 4_000, 0, 0), "2026-03": (1, 5_000, 6, 6.75)}


async def test_statistics_by_month_and_year_in_the_accounts_time_zone(api, account):
    client_id = await _client(api, account, "Statistique")
    await _history(account, client_id)
    quarter = {"from": "2026-01-01", "to": "2026-03-31", "group": "month"}

    async def complete():
        body = await _statistics(api, account, client_id, **quarter)
        return body if _figures(body) == FIRST_QUARTER else None

    body = await eventually(complete)
    assert body["total"] == {"orders": 3, "revenue_cents": 15_000, "units": 12, "litres": 11.25}
    assert (body["from"], body["to"], body["timezone"], body["currency"]) == (
        "2026-01-01",
        "2026-03-31",
        "Europe/Paris",
        "EUR",
    )

    years = await _statistics(api, account, client_id, **{"from": "2025-01-01", "to": "2026-12-31", "group": "year"})
    assert _figures(years) == {"2025": (0, 0, 0, 0), "2026": (3, 15_000, 12, 11.25)}


async def test_the_container_filter_keeps_orders_invoice_lines_and_deliveries_of_that_container(api, account):
    client_id = await _client(api, account, "Contenant")
    await _history(account, client_id)
    quarter = {"from": "2026-01-01", "to": "2026-03-31"}
    await eventually(lambda: _complete(api, account, client_id, quarter))

    bottles = await _statistics(api, account, client_id, **quarter, container=BOTTLE["container_id"])
    assert _figures(bottles) == {"2026-01": (1, 6_000, 6, 4.5), "2026-02": (0, 0, 0, 0), "2026-03": (1, 3_000, 3, 2.25)}
    assert bottles["total"] == {"orders": 2, "revenue_cents": 9_000, "units": 9, "litres": 6.75}
    assert bottles["container_id"] == BOTTLE["container_id"]
    magnums = await _statistics(api, account, client_id, **quarter, container=MAGNUM["container_id"], group="year")
    assert _figures(magnums) == {"2026": (2, 6_000, 3, 4.5)}
    unknown = await _statistics(api, account, client_id, **quarter, container=999, group="year")
    assert _figures(unknown) == {"2026": (0, 0, 0, 0)}


async def test_from_and_to_are_whole_local_days(api, account):
    client_id = await _client(api, account, "Bornes")
    await _history(account, client_id)
    await eventually(lambda: _complete(api, account, client_id, {"from": "2026-01-01", "to": "2026-03-31"}))

    february = await _statistics(api, account, client_id, **{"from": "2026-02-01", "to": "2026-02-28"})
    # Created and invoiced at 23:30Z on 31 January (February in Paris); shipped at 23:30Z on
    # 28 February (March in Paris).
    assert _figures(february) == {"2026-02": (1, 4_000, 0, 0)}
    january = await _statistics(api, account, client_id, **{"from": "2026-01-01", "to": "2026-01-31"})
    assert _figures(january) == {"2026-01": (1, 6_000, 6, 4.5)}
    first_day = await _statistics(api, account, client_id, **{"from": "2026-01-01", "to": "2026-01-01"})
    assert _figures(first_day) == {"2026-01": (1, 0, 0, 0)}


async def test_without_bounds_the_last_twelve_months_or_five_years_are_shown(api, account):
    client_id = await _client(api, account, "Défaut")
    months = await _statistics(api, account, client_id)
    assert len(months["periods"]) == 12 and months["periods"][-1]["period"] == months["to"][:7]
    years = await _statistics(api, account, client_id, group="year")
    assert [p["period"] for p in years["periods"]][-1] == years["to"][:4] and len(years["periods"]) == 5


async def _complete(api, account, client_id, params):
    body = await _statistics(api, account, client_id, **params, group="month")
    return body if _figures(body) == FIRST_QUARTER else None


async def test_top_products_count_for_the_ship_to_client_not_the_billed_one(api, account):
    billed = await _client(api, account, "Siège")
    ship_to = await _client(api, account, "Boutique")
    bottle = product_line(
        order_line_id=1, variant_id=201, container=BOTTLE, quantity="12", product_name="Château Margaux", vintage=2015
    )
    magnum = product_line(
        order_line_id=2,
        variant_id=202,
        container=MAGNUM,
        quantity="3",
        product_name="Château Margaux",
        vintage=2015,
        product_id=201,
    )
    other = product_line(
        order_line_id=3, variant_id=203, container=BOTTLE, quantity="5", product_name="Pessac blanc", vintage=None
    )
    renamed = {**bottle, "order_line_id": 4, "product_name": "Château Margaux Grand Vin", "quantity": "6"}
    sent = [
        (1, [bottle, magnum], "2026-04-02T10:00"),
        (2, [other], "2026-04-03T10:00"),
        (3, [renamed], "2026-05-10T10:00"),
    ]
    for shipment, lines, shipped in sent:
        await _send(
            account,
            "shipment.shipped",
            shipment_shipped(
                shipment_id=billed * 1_000 + shipment,
                order_id=billed * 1_000,
                client_id=billed,
                ship_to_client_id=ship_to,
                shipped_at=at(shipped),
                lines=[shipment_line(line) for line in lines],
            ),
        )

    async def top(client_id, **params):
        response = await api.get(f"/api/clients/{client_id}/top-products", params=params, headers=account.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def all_three():
        items = await top(ship_to)
        return items if len(items) == 3 and items[0]["units"] == 18 else None

    items = await eventually(all_three)
    assert [(i["variant_id"], i["units"], i["litres"]) for i in items] == [
        (201, 18, 13.5),
        (203, 5, 3.75),
        (202, 3, 4.5),
    ]
    assert items[0]["product_name"] == "Château Margaux Grand Vin" and items[0]["vintage"] == 2015
    assert items[0]["container"] == {
        "container_id": 11,
        "name": "Bouteille 75 cl",
        "short_name": "75 cl",
        "millilitres": 750,
    }
    assert items[1]["vintage"] is None and items[2]["product_id"] == 201
    assert [i["variant_id"] for i in await top(ship_to, limit=2)] == [201, 203]
    assert [(i["variant_id"], i["units"]) for i in await top(ship_to, **{"from": "2026-05-01"})] == [(201, 6)]
    assert [i["variant_id"] for i in await top(ship_to, to="2026-04-02")] == [201, 202]
    assert await top(billed) == []

    april = {"from": "2026-04-01", "to": "2026-05-31"}
    assert _figures(await _statistics(api, account, ship_to, **april)) == {
        "2026-04": (0, 0, 20, 17.25),
        "2026-05": (0, 0, 6, 4.5),
    }
    assert (await _statistics(api, account, billed, **april))["total"]["units"] == 0


async def test_another_accounts_events_change_no_figure(api, clients_app, account, sql):
    client_id = await _client(api, account, "Étanche")
    stranger = await new_account(clients_app, "Stranger")
    line = product_line(order_line_id=1, variant_id=301, container=BOTTLE)
    for event_type, payload in [
        (
            "order.created",
            order_payload(
                order_id=client_id,
                client_id=client_id,
                created_at=at("2026-01-05T10:00"),
                total_cents=6_000,
                lines=[line],
            ),
        ),
        (
            "invoice.issued",
            invoice_issued_with_lines(
                client_id=client_id,
                invoice_id=client_id,
                order_id=client_id,
                issued_at=at("2026-01-06T10:00"),
                lines=[line],
            ),
        ),
        (
            "shipment.shipped",
            shipment_shipped(
                shipment_id=client_id,
                order_id=client_id,
                client_id=client_id,
                shipped_at=at("2026-01-07T10:00"),
                lines=[shipment_line(line)],
            ),
        ),
    ]:
        await publish_event(
            AMQP_URL, exchange="negoce.orders", event_type=event_type, account_id=stranger.id, payload=payload
        )

    async def all_stored():
        rows = await sql(
            "SELECT (SELECT count(*) FROM client_orders WHERE account_id = :a)"
            " + (SELECT count(*) FROM client_invoices WHERE account_id = :a)"
            " + (SELECT count(*) FROM client_shipment_lines WHERE account_id = :a)",
            a=stranger.id,
        )
        return rows[0][0] == 3

    await eventually(all_stored)
    body = await _statistics(api, account, client_id, **{"from": "2026-01-01", "to": "2026-01-31"})
    assert body["total"] == {"orders": 0, "revenue_cents": 0, "units": 0, "litres": 0}
    response = await api.get(f"/api/clients/{client_id}/top-products", headers=account.headers)
    assert response.json() == {"items": []}
    assert (await api.get(f"/api/clients/{client_id}/statistics", headers=stranger.headers)).status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("statistics", {"from": "2026-03-01", "to": "2026-02-28"}, "to"),
        ("statistics", {"from": "2026-13-01"}, "from"),
        ("statistics", {"to": "demain"}, "to"),
        ("statistics", {"from": "2000-01-01", "to": "2020-01-01"}, "to"),
        ("statistics", {"group": "week"}, "group"),
        ("statistics", {"container": "0"}, "container"),
        ("statistics", {"container": "bouteille"}, "container"),
        ("statistics", {"container": str(2**63)}, "container"),
        ("top-products", {"from": "2026-03-01", "to": "2026-02-28"}, "to"),
        ("top-products", {"limit": "0"}, "limit"),
        ("top-products", {"limit": "101"}, "limit"),
        ("orders", {"limit": "201"}, "limit"),
        ("orders", {"cursor": "not-a-cursor"}, "cursor"),
        ("timeline", {"cursor": "WyJ4IiwxXQ"}, "cursor"),
        ("timeline", {"limit": "-1"}, "limit"),
    ],
)
async def test_bad_query_parameters_are_422_naming_the_field(api, account, path, params, field):
    client_id = await _client(api, account, "Paramètres")
    response = await api.get(f"/api/clients/{client_id}/{path}", params=params, headers=account.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert field in [e["field"] for e in problem["errors"]], problem
    assert field in problem["detail"]


async def test_the_longest_range_is_twenty_years(api, account):
    client_id = await _client(api, account, "Vingt ans")
    body = await _statistics(api, account, client_id, **{"from": "2006-01-01", "to": "2025-12-31", "group": "year"})
    assert len(body["periods"]) == 20
    assert (
        await api.get(
            f"/api/clients/{client_id}/statistics",
            params={"from": "2006-01-01", "to": "2026-01-01"},
            headers=account.headers,
        )
    ).status_code == 422


async def test_an_unknown_client_is_404_on_every_sheet_route(api, account):
    for path in ("orders", "top-products", "statistics", "timeline"):
        response = await api.get(f"/api/clients/999999999/{path}", headers=account.headers)
        assert response.status_code == 404, (path, response.text)
