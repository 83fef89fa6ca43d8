"""The boxes of fields on the right of the client sheet: what each holds, and a form's values as the API's edit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from services.console.base.api import Api, unless_unavailable
from services.console.base.forms import last_values
from services.console.base.i18n import N_

ADDRESS_PARTS = ("line1", "line2", "line3", "postal_code", "city", "country_code")


@dataclass(frozen=True)
class Box:
    """One box of the sheet's fields; ``role`` may edit it (None: nobody edits it here)."""

    key: str
    label: str
    fields: tuple[str, ...]
    role: str | None = "staff"


def _address(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}.{part}" for part in ADDRESS_PARTS)


BOXES: tuple[Box, ...] = (
    Box("identity", N_("Identité"), ("kind", "company_name", "title", "first_name", "last_name")),
    Box("email", N_("E-mail"), ("email",)),
    Box("phone", N_("Téléphone"), ("phone", "mobile")),
    Box("billing", N_("Adresse de facturation"), _address("billing_address")),
    Box("shipping", N_("Adresse de livraison"), ("shipping_same_as_billing", *_address("shipping_address"))),
    Box("category", N_("Catégorie"), ("category_id",)),
    Box("price_grid", N_("Grille tarifaire"), ("price_grid_id",)),
    Box("tags", N_("Étiquettes"), ("tag_ids",)),
    Box("accounting_code", N_("Code comptable"), ("accounting_code",)),
    Box("marketing", N_("Communication"), ("accepts_emailing", "accepts_mailing")),
    Box("note", N_("Note"), ("note", "show_note_on_orders")),
    # Blocking is its own API call, which only a manager may make.
    Box("blocking", N_("Prise de commande"), ("blocked", "blocked_reason"), role="manager"),
    Box("figures", N_("Chiffres"), (), role=None),
)
BOX_BY_KEY = {box.key: box for box in BOXES}
BOOLEANS = frozenset({"shipping_same_as_billing", "accepts_emailing", "accepts_mailing", "show_note_on_orders"})
INTEGERS = frozenset({"category_id", "price_grid_id"})
# Left out when empty rather than cleared: the API gives a client a code of its own when it has none.
NEVER_CLEARED = frozenset({"accounting_code", "kind"})


def current_values(sheet: dict[str, Any]) -> dict[str, Any]:
    """The sheet's fields under the form's names (dotted for addresses), for a form's first showing."""
    values: dict[str, Any] = {
        name: sheet.get(name)
        for box in BOXES
        for name in box.fields
        if "." not in name and name not in ("blocked", "blocked_reason")
    }
    for prefix in ("billing_address", "shipping_address"):
        address = sheet.get(prefix) or {}
        for part in ADDRESS_PARTS:
            values[f"{prefix}.{part}"] = address.get(part)
    values["blocked"] = sheet.get("blocked", False)
    values["blocked_reason"] = sheet.get("blocked_reason")
    return values


def submitted_values(form: FormData) -> dict[str, Any]:
    """A form's values under their names, the tags as a list, for showing the form again after a 422."""
    values: dict[str, Any] = dict(last_values(form))
    for name in BOOLEANS | {"blocked"}:
        if name in values:
            values[name] = values[name].lower() in ("true", "on", "1")
    values["tag_ids"] = [int(tag) for tag in form.getlist("tag_ids") if isinstance(tag, str) and tag.isdigit()]
    return values


def _text(raw: Any) -> str:
    return raw.strip() if isinstance(raw, str) else ""


def edit_body(boxes: tuple[Box, ...], form: FormData) -> dict[str, Any]:
    """The PATCH body for the fields of these boxes: an emptied field is cleared (null)."""
    values = last_values(form)
    body: dict[str, Any] = {}
    for box in boxes:
        if box.key == "tags":
            body["tag_ids"] = [int(tag) for tag in form.getlist("tag_ids") if isinstance(tag, str) and tag.isdigit()]
            continue
        if box.key in ("billing", "shipping"):
            continue
        for name in box.fields:
            if name in ("blocked", "blocked_reason") or name not in values:
                continue
            text = _text(values[name])
            if name in BOOLEANS:
                body[name] = text.lower() in ("true", "on", "1")
            elif text == "":
                if name not in NEVER_CLEARED:
                    body[name] = None
            elif name in INTEGERS:
                # Not a number: sent as written, so that the API names the field in its 422.
                body[name] = int(text) if text.isdigit() else text
            else:
                body[name] = text
    keys = {box.key for box in boxes}
    if "billing" in keys:
        body["billing_address"] = _address_body(values, "billing_address")
    if "shipping" in keys and not body.get("shipping_same_as_billing"):
        body["shipping_address"] = _address_body(values, "shipping_address")
    return body


def _address_body(values: dict[str, str], prefix: str) -> dict[str, Any] | None:
    parts = {part: _text(values.get(f"{prefix}.{part}")) for part in ADDRESS_PARTS}
    if not any(text for part, text in parts.items() if part != "country_code"):
        return None
    address: dict[str, Any] = {part: (text or None) for part, text in parts.items() if part != "country_code"}
    address["country_code"] = parts["country_code"].upper() or "FR"
    return address


def block_wanted(form: FormData) -> tuple[bool, str | None]:
    """Whether the form asks to refuse orders, and why."""
    values = last_values(form)
    reason = _text(values.get("blocked_reason")) or None
    return _text(values.get("blocked")).lower() in ("true", "on", "1"), reason


async def field_choices(api: Api) -> dict[str, list[dict[str, Any]]]:
    """The account's categories, tags and price grids, for naming them in the boxes and choosing in the forms."""

    categories, tags, price_grids = await asyncio.gather(
        api.get("/api/clients/categories"),
        api.get("/api/clients/tags"),
        # Orders being down should not hide the client's sheet; the grid shows as its number.
        unless_unavailable(api.get("/api/orders/price-grids"), default=[]),
    )
    return {"categories": categories, "tags": tags, "price_grids": price_grids}
