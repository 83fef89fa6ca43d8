"""Pure rules of a client's record: its sort keys and its accounting code."""

from __future__ import annotations

import re

from services.clients.base.domain import person_name
from shared.text import fold

ACCOUNTING_NAME_LENGTH = 8
# What a company is registered as; in the order a refusal names them.
COMPANY_IDENTIFIERS = ("legal_form", "siren", "siret", "vat_number")
IDENTIFIER_LABELS = {"legal_form": "legal form", "siren": "SIREN", "siret": "SIRET", "vat_number": "VAT number"}
SIREN_LENGTH = 9


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


def identifiers_problem(*, kind: str, identifiers: dict[str, str | None]) -> tuple[str, str] | None:
    """The first identifier that does not fit the client (field, why), or None when they all do.

    A private customer is not registered: only a company has a legal form, SIREN, SIRET or VAT number.
    The SIRET and a French VAT number both hold the SIREN, so with it given they must hold that one.
    """
    if kind != "company":
        for name in COMPANY_IDENTIFIERS:
            if identifiers.get(name) is not None:
                return name, f"a private customer has no {IDENTIFIER_LABELS[name]}: only a company has one"
        return None
    siren, siret, vat_number = identifiers.get("siren"), identifiers.get("siret"), identifiers.get("vat_number")
    if siren and siret and siret[:SIREN_LENGTH] != siren:
        return "siret", f"does not start with the SIREN {siren}"
    # FR, a two-character key, then the SIREN.
    if siren and vat_number and vat_number.startswith("FR") and vat_number[4:] != siren:
        return "vat_number", f"a French VAT number holds the SIREN, and this one does not hold {siren}"
    return None
