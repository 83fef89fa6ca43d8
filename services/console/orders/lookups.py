"""What the order and reminder screens look up beside their own resource: client names, choosable clients, variants."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from services.console.base.api import Api, ApiError

CHOICES_LIMIT = 20


async def client_names(api: Api, client_ids: Iterable[int]) -> dict[int, str]:
    """Each client's display name (the reminders and orders APIs give ids only); a gone client has none."""
    wanted = sorted(set(client_ids))

    async def one(client_id: int) -> tuple[int, str | None]:
        try:
            sheet = await api.get(f"/api/clients/{client_id}")
        except ApiError as refused:
            # Erased or merged since: the page still shows the rest, with the id alone.
            if refused.status in (404, 410):
                return client_id, None
            raise
        return client_id, str(sheet.get("display_name") or "")

    found = await asyncio.gather(*(one(client_id) for client_id in wanted))
    return {client_id: name for client_id, name in found if name}


async def client_choices(api: Api, *, q: str) -> list[dict[str, Any]]:
    """Clients that may be given an order (the API leaves out blocked and archived ones), matching a text."""
    params: dict[str, Any] = {"limit": CHOICES_LIMIT}
    if q:
        params["q"] = q[:100]
    choices: list[dict[str, Any]] = await api.get("/api/orders/client-choices", params=params)
    return choices


def variant_label(product: dict[str, Any], variant: dict[str, Any]) -> str:
    """'Château Test rouge · 75 cl · 2020 · carton de 6'."""
    parts = [product["name"], variant["container"]["short_name"]]
    if variant.get("vintage"):
        parts.append(str(variant["vintage"]))
    if variant.get("packaging"):
        parts.append(variant["packaging"])
    return " · ".join(parts)


async def variant_options(api: Api) -> list[tuple[int, str]]:
    """Every variant of the catalogue as (id, label), for the order lines' pickers."""
    products = await api.get("/api/orders/products")
    options = [
        (variant["id"], variant_label(product, variant)) for product in products for variant in product["variants"]
    ]
    return sorted(options, key=lambda option: option[1].lower())
