"""Pure rules of an order's life: document numbers and the states an order may move between."""

from __future__ import annotations

from typing import Literal

OrderState = Literal["draft", "confirmed", "invoiced", "cancelled"]

NUMBER_FORMATS = {"order": "C-{:06d}", "invoice": "F-{:06d}", "credit_note": "AV-{:06d}"}


def document_number(kind: str, value: int) -> str:
    """'C-000042' for the 42nd order of an account, 'F-...' invoices, 'AV-...' credit notes."""
    return NUMBER_FORMATS[kind].format(value)


ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"confirmed", "invoiced", "cancelled"},
    "confirmed": {"invoiced", "cancelled"},
    "invoiced": {"cancelled"},  # only through a credit note
    "cancelled": set(),
}


def can_move(state: str, target: str) -> bool:
    """Whether an order in ``state`` may become ``target``."""
    return target in ALLOWED_TRANSITIONS[state]
