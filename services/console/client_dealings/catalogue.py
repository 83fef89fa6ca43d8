"""The products and variants a negotiated price or a reservation is for, named as a merchant reads them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.console.base import i18n
from services.console.base.api import Api
from services.console.base.web import language_of
from services.console.client_sheet.frame import render_sheet_tab


def variant_label(product: dict[str, Any], variant: dict[str, Any]) -> str:
    """'Château Margaux 2018 · Magnum (150 cl) · carton de 6': product, vintage, container, packaging."""
    parts = [product["name"] + (f" {variant['vintage']}" if variant.get("vintage") else "")]
    container = variant.get("container") or {}
    if container.get("name"):
        parts.append(str(container["name"]))
    if variant.get("packaging"):
        parts.append(str(variant["packaging"]))
    return " · ".join(parts)


async def variant_choices(api: Api) -> list[tuple[int, str]]:
    """Every variant of the catalogue as (id, label), by product name then label."""
    products = await api.get("/api/orders/products")
    choices = [
        (variant["id"], variant_label(product, variant)) for product in products for variant in product["variants"]
    ]
    return sorted(choices, key=lambda choice: choice[1].casefold())


def euros_to_cents(text: str) -> int | None:
    """'12,50', '12.5' or '1 200' as cents; None when it is not an amount of euros."""
    cleaned = text.replace("€", "").replace("\xa0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def cents_to_euros(cents: int) -> str:
    """Cents as the form writes them back: 1250 → '12,50'."""
    return f"{Decimal(cents) / 100:.2f}".replace(".", ",")


def translator(request: Request) -> Callable[[str], str]:
    """The gettext of the signed-in user's language, for messages written in Python."""
    return i18n.translations(language_of(request)).gettext


async def render_variant_tab(
    request: Request,
    api: Api,
    *,
    client_id: int,
    tab: str,
    template: str,
    context: dict[str, Any],
    choices: list[tuple[int, str]],
    values: dict[str, str] | None,
    errors: dict[str, str] | None,
    status_code: int,
) -> Response:
    """A sheet tab whose form picks one of the variant ``choices``, with the form's last values and errors."""
    context = {**context, "labels": dict(choices), "variants": choices, "values": values or {}, "errors": errors or {}}
    return await render_sheet_tab(
        request, api, client_id=client_id, tab=tab, template=template, context=context, status_code=status_code
    )


def chosen_variant_errors(request: Request, values: dict[str, str]) -> dict[str, str]:
    """The form's error when it names no variant of the catalogue."""
    if values.get("variant_id", "").strip().isdigit():
        return {}
    gettext = translator(request)
    return {"variant_id": gettext("Choisissez un produit.")}
