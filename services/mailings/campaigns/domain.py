"""Rules of paper campaigns that need no database: who is left out and why, names, merge values."""

from __future__ import annotations

from typing import Any, Protocol

from services.mailings.paper.addresses import PostalAddress, deliverability_problem
from services.mailings.paper.render import MERGE_FIELDS, merge_fields

ADDRESS_KEYS = ("line1", "line2", "line3", "postal_code", "city", "country_code")


class Named(Protocol):
    """What a recipient snapshot holds about its client's names (a row or the clients service's item)."""

    kind: str
    display_name: str
    title: str | None
    first_name: str | None
    last_name: str | None
    company_name: str | None


def address_of(raw: dict[str, Any] | None) -> dict[str, str | None]:
    """The address block kept in a snapshot: the six fields, blank strings as None."""
    raw = raw or {}
    return {key: (str(raw[key]).strip() or None) if raw.get(key) is not None else None for key in ADDRESS_KEYS}


def name_lines(who: Named) -> tuple[str, ...]:
    """The name lines of an address block: the company, else the person as addressed (title, first, last)."""
    if who.kind == "company" and who.company_name:
        return (who.company_name,)
    person = " ".join(part for part in (who.title, who.first_name, who.last_name) if part)
    return (person or who.display_name,)


def postal_address(who: Named, address: dict[str, Any]) -> PostalAddress:
    """A snapshot's address block in the form the PDF library prints."""
    return PostalAddress(
        name_lines=name_lines(who),
        lines=tuple(line for line in (address.get("line1"), address.get("line2"), address.get("line3")) if line),
        postal_code=address.get("postal_code"),
        city=address.get("city"),
        country_code=(address.get("country_code") or "FR").upper(),
    )


def exclusion(who: Named, *, accepts_mailing: bool, address: dict[str, Any]) -> tuple[str, str | None] | None:
    """Why a client of the selection gets no letter (reason code, detail), or None when it gets one."""
    if not accepts_mailing:
        return "refuses_mailing", "the client refuses paper mail"
    if not any(address.get(key) for key in ("line1", "line2", "line3", "postal_code", "city")):
        return "no_address", "no postal address"
    problem = deliverability_problem(postal_address(who, address))
    return ("undeliverable", problem) if problem else None


def merge_values(who: Named) -> dict[str, str | None]:
    """The values of the merge fields for one recipient."""
    return {
        "title": who.title,
        "first_name": who.first_name,
        "last_name": who.last_name,
        "company": who.company_name,
        "display_name": who.display_name,
    }


def template_problem(template: str) -> str | None:
    """Why a title or text cannot be merged (an unknown field), or None."""
    try:
        merge_fields(template, dict.fromkeys(MERGE_FIELDS, ""))
    except ValueError as exc:
        return f"{exc} (known fields: {', '.join('{{' + f + '}}' for f in MERGE_FIELDS)})"
    return None
