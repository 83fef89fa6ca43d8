"""Pure rules of a client's record: its sort keys and its accounting code."""

from __future__ import annotations

import re

from services.clients.base.domain import person_name
from shared.text import fold

ACCOUNTING_NAME_LENGTH = 8


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
