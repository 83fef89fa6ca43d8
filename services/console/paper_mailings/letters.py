"""What the mailing screens compute themselves: the letter preview, the reasons in French, the API's page links."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

# The merge fields PATCH /api/mailings/campaigns/{id} accepts (docs/openapi/mailings.json); letter.html explains them.
MERGE_FIELDS: tuple[str, ...] = ("title", "first_name", "last_name", "company", "display_name")
# Spaces inside the braces are tolerated, as the mailing service tolerates them.
_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def merge_values(recipient: Mapping[str, Any]) -> dict[str, str | None]:
    """The merge fields' values for one recipient of the snapshot, as the mailing service fills them in."""
    return {
        "title": recipient.get("title"),
        "first_name": recipient.get("first_name"),
        "last_name": recipient.get("last_name"),
        "company": recipient.get("company_name"),
        "display_name": recipient.get("display_name"),
    }


def merged(template: str, values: Mapping[str, str | None]) -> str:
    """``template`` with each known {{field}} filled in; an unknown one stays as typed (the API names it in its 422)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return (values.get(name) or "") if name in MERGE_FIELDS else match.group(0)

    return _FIELD.sub(fill, template)


def address_lines(recipient: Mapping[str, Any]) -> list[str]:
    """The address block of a recipient as the letter's window shows it: name, street lines, town, country."""
    address = recipient.get("address") or {}
    if recipient.get("kind") == "company" and recipient.get("company_name"):
        name = recipient["company_name"]
    else:
        person = " ".join(
            part for part in (recipient.get("title"), recipient.get("first_name"), recipient.get("last_name")) if part
        )
        name = person or recipient.get("display_name") or ""
    lines = [name, *(address.get(key) for key in ("line1", "line2", "line3") if address.get(key))]
    town = " ".join(part for part in (address.get("postal_code"), address.get("city")) if part)
    if town:
        lines.append(town)
    country = (address.get("country_code") or "FR").upper()
    if country != "FR":
        lines.append(country)
    return lines


def preview(campaign: Mapping[str, Any], recipient: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The first recipient's letter (address, title, paragraphs), merged here: the API has no preview route."""
    if recipient is None:
        return None
    values = merge_values(recipient)
    text = merged(campaign.get("text") or "", values)
    return {
        "address": address_lines(recipient),
        "title": merged(campaign.get("title") or "", values),
        "paragraphs": [paragraph.splitlines() for paragraph in re.split(r"\n\s*\n", text.strip()) if paragraph.strip()],
    }


def next_value(link: str | None, name: str) -> str | None:
    """A parameter of the API's next-page link (``before`` or ``after``), None on the last page."""
    if not link:
        return None
    values = parse_qs(urlsplit(link).query).get(name)
    return values[0] if values else None
