"""Pure rules of a client's contacts: who receives which documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DocumentKind = Literal["quotes", "proforma", "invoices", "dunning"]


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone who receives a document by e-mail, and why."""

    name: str
    email: str
    source: Literal["contact", "client"]
    contact_id: int | None = None
