"""Pure rules every slice shares: a client's name in the account's order."""

from __future__ import annotations

from typing import Literal

NameOrder = Literal["first_last", "last_first"]
ClientKind = Literal["person", "company"]


def person_name(first: str | None, last: str | None, order: NameOrder) -> str:
    """A person's name in the account's chosen order."""
    parts = [first, last] if order == "first_last" else [last, first]
    return " ".join(p for p in parts if p)


def display_name(
    *,
    kind: str,
    first_name: str | None,
    last_name: str | None,
    company_name: str | None,
    order: NameOrder,
) -> str:
    """What the list shows: a company's name, or a person's name in the account's order."""
    if kind == "company" and company_name:
        return company_name
    return person_name(first_name, last_name, order) or company_name or ""
