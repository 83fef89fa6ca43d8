"""A realistic order history driven through the orders API (demo account, consistency tests).

It speaks HTTP only, like any client of the service: catalogue, grids, negotiated prices,
then orders that are confirmed, invoiced, credited, shipped in parts (sometimes to
another client) and paid, in proportions a small wine merchant would see.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

import httpx
from stdnum import luhn

WINES = (
    "Château Les Ormes rouge",
    "Domaine du Vallon blanc",
    "Clos Saint-Vincent rosé",
    "Crémant de la Cave",
    "Cuvée Prestige",
    "Les Terrasses rouge",
    "Côtes de la Source blanc",
    "Vieilles Vignes",
)
SIZES = ("37,5 cl", "75 cl", "150 cl", "BIB 5 l")


@dataclass
class HistoryStats:
    """What was generated, for logs and assertions."""

    orders: int = 0
    invoiced: int = 0
    credited: int = 0
    cancelled: int = 0
    shipments: int = 0
    payments: int = 0
    variants: list[int] = field(default_factory=list)


async def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
        )
    return response.json() if response.content else None


def _demo_seller() -> dict[str, Any]:
    """A seller with every mention an invoice prints; its SIREN, SIRET and VAT number are valid, and invented."""
    siren = "55120841" + luhn.calc_check_digit("55120841")
    siret = siren + "0001" + luhn.calc_check_digit(siren + "0001")
    return {
        "legal_name": "Cave de démonstration",
        "legal_form": "SARL",
        "address_lines": ["1 rue des Chais"],
        "postal_code": "33000",
        "city": "Bordeaux",
        "siren": siren,
        "siret": siret,
        "vat_number": f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}",
        "rcs_city": "Bordeaux",
        "share_capital_cents": 800_000,
        "email": "contact@cave-demo.example",
    }


async def set_up_seller(http: httpx.AsyncClient) -> None:
    """Give the account a seller profile its invoices can be issued with, unless it has a complete one."""
    if (await _ok(await http.get("/api/orders/seller")))["missing_for_invoices"]:
        await _ok(await http.put("/api/orders/seller", json=_demo_seller()))


async def build_catalogue(http: httpx.AsyncClient, *, rng: random.Random) -> list[int]:
    """Products in several sizes and vintages, and a default price grid; returns variant ids."""
    containers = {c["short_name"]: c["id"] for c in await _ok(await http.get("/api/orders/containers"))}
    grid = await _ok(await http.post("/api/orders/price-grids", json={"name": "Tarif caveau", "is_default": True}))
    variants: list[int] = []
    for wine in WINES:
        sizes = rng.sample(SIZES, k=rng.randint(1, 3))
        product = await _ok(
            await http.post(
                "/api/orders/products",
                json={
                    "name": wine,
                    "variants": [
                        {
                            "container_id": containers[s],
                            "vintage": rng.choice((2018, 2019, 2020, 2021, 2022)),
                            "packaging": "carton de 6" if s == "75 cl" else None,
                        }
                        for s in sizes
                    ],
                },
            )
        )
        for variant in product["variants"]:
            ml = variant["container"]["millilitres"]
            price = int(ml / 750 * rng.randint(800, 4_500))
            await _ok(
                await http.put(
                    f"/api/orders/price-grids/{grid['id']}/prices/{variant['id']}", json={"price_cents": price}
                )
            )
            variants.append(variant["id"])
    return variants


async def generate_history(
    http: httpx.AsyncClient,
    *,
    client_ids: list[int],
    orders: int,
    seed: int = 42,
    variants: list[int] | None = None,
    concurrency: int = 1,
) -> HistoryStats:
    """Create ``orders`` orders across the clients with a realistic mix of what follows.

    With ``concurrency`` above 1, that many streams of orders run side by side (each with its own
    generator, seeded from ``seed``), as several sellers at once would: the same orders, made faster.
    """
    rng = random.Random(seed)
    await set_up_seller(http)
    stats = HistoryStats(variants=variants or await build_catalogue(http, rng=rng))
    for client_id in rng.sample(client_ids, k=max(1, len(client_ids) // 5)):
        await _ok(
            await http.put(
                "/api/orders/negotiated-prices",
                json={
                    "client_id": client_id,
                    "variant_id": rng.choice(stats.variants),
                    "price_cents": rng.randint(500, 2_000),
                },
            )
        )
    streams = [rng] if concurrency == 1 else [random.Random(rng.getrandbits(64)) for _ in range(concurrency)]

    async def stream(stream_rng: random.Random, count: int) -> None:
        for _ in range(count):
            await _one_order(http, rng=stream_rng, client_ids=client_ids, stats=stats)

    share, extra = divmod(orders, len(streams))
    await asyncio.gather(*(stream(r, share + (n < extra)) for n, r in enumerate(streams)))
    return stats


async def _one_order(
    http: httpx.AsyncClient, *, rng: random.Random, client_ids: list[int], stats: HistoryStats
) -> None:
    billed = rng.choice(client_ids)
    ship_to = rng.choice(client_ids) if rng.random() < 0.2 else billed
    lines = [
        {"variant_id": v, "quantity": str(rng.choice((1, 2, 3, 6, 6, 12, 24)))}
        for v in rng.sample(stats.variants, k=rng.randint(1, min(4, len(stats.variants))))
    ]
    order = await _ok(
        await http.post("/api/orders", json={"client_id": billed, "ship_to_client_id": ship_to, "lines": lines})
    )
    stats.orders += 1
    path = f"/api/orders/{order['id']}"
    fate = rng.random()
    if fate < 0.08:
        await _ok(await http.post(f"{path}/cancel"))
        stats.cancelled += 1
        return
    await _ok(await http.post(f"{path}/confirm"))
    if fate < 0.15:
        return  # confirmed, not yet invoiced
    await _ok(await http.post(f"{path}/invoice"))
    stats.invoiced += 1
    if rng.random() < 0.85:
        line = rng.choice(order["lines"])
        if rng.random() < 0.3 and float(line["quantity"]) >= 2:  # a partial shipment first
            await _ok(
                await http.post(
                    f"{path}/shipments",
                    json={"lines": [{"order_line_id": line["id"], "quantity": str(int(float(line["quantity"]) // 2))}]},
                )
            )
            stats.shipments += 1
        if rng.random() < 0.8:
            await _ok(await http.post(f"{path}/shipments", json={}))
            stats.shipments += 1
    if rng.random() < 0.7:
        await _ok(
            await http.post(
                f"{path}/payments",
                json={
                    "amount_cents": max(1, order["total_cents"] if rng.random() < 0.8 else order["total_cents"] // 2),
                    "method": rng.choice(("card", "transfer", "cheque")),
                },
            )
        )
        stats.payments += 1
    if rng.random() < 0.07:
        await _ok(await http.post(f"{path}/credit-note"))
        stats.credited += 1
