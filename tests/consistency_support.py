"""The truth of the orders database, and the clients service's read models set beside it.

The consistency tests (tests/test_consistency.py, events delivered in chaos to one consumer; and
tests/test_replicas.py, a history made through two of every process while one of each is killed)
compare every client's status, list columns, open orders, top products and statistics with what the
orders database says.
"""

from __future__ import annotations

from collections import defaultdict

import httpx
from sqlalchemy import text


async def orders_truth(connection, account_id) -> dict:
    """Status and list columns per client, computed from the orders database itself."""
    invoiced = (
        await connection.execute(
            text("""
        SELECT o.client_id, count(DISTINCT o.id), sum(i.total_cents),
               (array_agg(o.number ORDER BY i.issued_at DESC, i.id DESC))[1], max(i.issued_at)
        FROM invoices i JOIN orders o ON o.id = i.order_id
        WHERE i.account_id = :a AND i.cancelled_at IS NULL GROUP BY o.client_id"""),
            {"a": account_id},
        )
    ).all()
    clients = (
        await connection.execute(
            text("SELECT client_id FROM client_replicas WHERE account_id = :a AND version > 0"), {"a": account_id}
        )
    ).scalars()
    columns = dict.fromkeys(clients, ("prospect", 0, 0, None))
    for client_id, count, total, number, _ in invoiced:
        columns[client_id] = ("client", count, int(total), number)
    top: dict[int, dict[int, float]] = defaultdict(dict)
    received: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for ship_to, variant_id, units, litres in (
        await connection.execute(
            text("""
        SELECT s.ship_to_client_id, l.variant_id, sum(sl.quantity), sum(sl.quantity * c.millilitres / 1000.0)
        FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
        JOIN order_lines l ON l.id = sl.order_line_id JOIN variants v ON v.id = l.variant_id
        JOIN containers c ON c.id = v.container_id
        WHERE s.account_id = :a GROUP BY 1, 2"""),
            {"a": account_id},
        )
    ).all():
        top[ship_to][variant_id] = round(float(units), 3)
        received[ship_to][0] += float(units)
        received[ship_to][1] += float(litres)
    open_orders = dict(
        (
            await connection.execute(
                text(
                    "SELECT client_id, count(*) FROM orders WHERE account_id = :a AND state IN ('draft', 'confirmed') GROUP BY 1"
                ),
                {"a": account_id},
            )
        ).all()
    )
    live_orders = dict(
        (
            await connection.execute(
                text(
                    "SELECT client_id, count(*) FROM orders WHERE account_id = :a AND state <> 'cancelled' GROUP BY 1"
                ),
                {"a": account_id},
            )
        ).all()
    )
    figures = {}
    for client_id in columns:
        revenue = columns[client_id][2]
        units, litres = received.get(client_id, (0.0, 0.0))
        figures[client_id] = (live_orders.get(client_id, 0), revenue, round(units, 3), round(litres, 3))
    return {"columns": columns, "top": dict(top), "figures": figures, "open": open_orders}


async def clients_view(connection, account_id) -> dict:
    """The same figures as the clients service's read model holds them."""
    rows = (
        await connection.execute(
            text("""
        SELECT id, status, invoiced_orders_count, invoiced_total_cents, last_invoiced_order_number
        FROM clients WHERE account_id = :a AND deleted_at IS NULL"""),
            {"a": account_id},
        )
    ).all()
    return {"columns": {r[0]: (r[1], r[2], int(r[3]), r[4]) for r in rows}, "top": {}, "figures": {}, "open": {}}


async def read_through_api(http: httpx.AsyncClient, *, client_ids: list[int], seen: dict) -> None:
    """Fill ``seen`` with each client's top products, statistics and open orders as the clients API answers them."""
    for client_id in client_ids:
        top = (await http.get(f"/api/clients/{client_id}/top-products", params={"limit": 100})).json()
        seen["top"][client_id] = {p["variant_id"]: round(p["units"], 3) for p in top["items"]}
        figures = (
            await http.get(
                f"/api/clients/{client_id}/statistics",
                params={"from": "2020-01-01", "to": "2039-12-31", "group": "year"},
            )
        ).json()["total"]
        seen["figures"][client_id] = (
            figures["orders"],
            figures["revenue_cents"],
            round(figures["units"], 3),
            round(figures["litres"], 3),
        )
        summary = (await http.get(f"/api/clients/{client_id}")).json()["summary"]
        seen["open"][client_id] = summary["open_orders_count"]


def assert_read_models_equal(seen: dict, truth: dict, *, client_ids: list[int]) -> None:
    """Every read model equals the truth: list columns (so no invoice counted twice), top products, open orders, figures."""
    assert seen["columns"] == truth["columns"]
    assert seen["top"] == {c: truth["top"].get(c, {}) for c in client_ids}
    assert seen["open"] == {c: truth["open"].get(c, 0) for c in client_ids}
    assert seen["figures"] == {c: truth["figures"].get(c, (0, 0, 0.0, 0.0)) for c in client_ids}
