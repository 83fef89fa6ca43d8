"""Seed the demo account's orders through the gateway once the services are up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from services.orders.demo.history import generate_history


async def _wait_until(check: Callable[[], Awaitable[bool]], *, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        await asyncio.sleep(0.5)


async def seed_demo_orders(*, base_url: str, token: str, orders: int, wait: float) -> str:
    """Create the demo catalogue and history unless the account already has products."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:

        async def services_ready() -> bool:
            try:
                answers = [await http.get(f"/ready/{service}") for service in ("clients", "orders")]
            except httpx.HTTPError:
                return False
            return all(answer.status_code == 200 for answer in answers)

        await _wait_until(services_ready, timeout=wait, what="the clients and orders services")
        if (await http.get("/api/orders/products")).json():
            return "Demo orders already there."
        client_ids: list[int] = []
        cursor = None
        while True:
            page = (
                await http.get("/api/clients", params={"limit": 200, **({"cursor": cursor} if cursor else {})})
            ).json()
            client_ids += [row["id"] for row in page["items"]]
            if not (cursor := page["next_cursor"]):
                break

        async def replica_complete() -> bool:
            # The orders service learns clients from events: wait until it knows every one.
            for client_id in client_ids:
                known = await http.get("/api/orders/negotiated-prices", params={"client_id": client_id})
                if known.status_code != 200:
                    return False
            return True

        await _wait_until(replica_complete, timeout=wait, what="the orders service to learn the demo clients")
        stats = await generate_history(http, client_ids=client_ids, orders=orders, seed=2026)
    return (
        f"Demo orders created: {stats.orders} orders, {stats.invoiced} invoiced, {stats.credited} credited, "
        f"{stats.shipments} shipments, {stats.payments} payments."
    )
