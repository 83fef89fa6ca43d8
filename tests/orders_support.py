"""Builders for order tests: a catalogue, priced variants and clients the orders service knows."""

from __future__ import annotations

from typing import Any

from tests.support import eventually


async def new_client(api, orders_api, account, **fields: Any) -> int:
    """Create a client in the clients service and wait until the orders service knows it."""
    body = {"last_name": "Client", **fields}
    client_id = (await api.post("/api/clients", json=body, headers=account.headers)).json()["id"]

    async def known() -> bool:
        response = await orders_api.get("/api/orders/negotiated-prices", params={"client_id": client_id},
                                        headers=account.headers)
        return response.status_code == 200

    await eventually(known)
    return client_id


async def catalogue(orders_api, account, *, default_price: int | None = 1_250) -> dict[str, Any]:
    """A product in 75 cl and magnum, and a default grid pricing the bottle."""
    containers = {c["short_name"]: c["id"] for c in (await orders_api.get(
        "/api/orders/containers", headers=account.headers)).json()}
    product = (await orders_api.post("/api/orders/products", headers=account.headers, json={
        "name": "Château Test rouge", "variants": [
            {"container_id": containers["75 cl"], "vintage": 2020, "packaging": "carton de 6"},
            {"container_id": containers["150 cl"], "vintage": 2020}]})).json()
    bottle, magnum = (v["id"] for v in product["variants"])
    grid = (await orders_api.post("/api/orders/price-grids", json={"name": "Tarif public", "is_default": True},
                                  headers=account.headers)).json()
    if default_price is not None:
        await orders_api.put(f"/api/orders/price-grids/{grid['id']}/prices/{bottle}",
                             json={"price_cents": default_price}, headers=account.headers)
    return {"bottle": bottle, "magnum": magnum, "grid": grid["id"], "containers": containers,
            "product": product["id"]}


async def order(orders_api, account, client_id: int, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Create an order and return its body (asserting it was created)."""
    response = await orders_api.post("/api/orders", json={"client_id": client_id, "lines": lines, **extra},
                                     headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()
