"""Pure rules of the client base: names, sort keys, accounting codes, recipients."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from shared.text import fold

NameOrder = Literal["first_last", "last_first"]
DocumentKind = Literal["quotes", "proforma", "invoices", "dunning"]
ACCOUNTING_NAME_LENGTH = 8


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


def sort_keys(*, kind: str, first_name: str | None, last_name: str | None, company_name: str | None) -> tuple[str, str]:
    """The (first-last, last-first) sort keys; a company sorts by its name in both."""
    if kind == "company" and company_name:
        key = fold(company_name)
        return key, key
    return fold(person_name(first_name, last_name, "first_last")), fold(
        person_name(first_name, last_name, "last_first")
    )


def accounting_code_stem(
    *, prefix: str, kind: str, first_name: str | None, last_name: str | None, company_name: str | None
) -> str:
    """Prefix plus the first letters of the name, upper-case ASCII: '411' + 'DUPONTJE'."""
    name = company_name if kind == "company" and company_name else f"{last_name or ''}{first_name or ''}"
    letters = re.sub(r"[^A-Z0-9]", "", fold(name).upper())[:ACCOUNTING_NAME_LENGTH]
    return f"{prefix}{letters or 'CLIENT'}"


def next_accounting_code(stem: str, taken: set[str]) -> str:
    """The stem itself if free, else the stem with the smallest free numeric suffix."""
    if stem not in taken:
        return stem
    suffix = 2
    while f"{stem}{suffix}" in taken:
        suffix += 1
    return f"{stem}{suffix}"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone who receives a document by e-mail, and why."""

    name: str
    email: str
    source: Literal["contact", "client"]
    contact_id: int | None = None
