"""Rules every identity slice shares: e-mail keys, roles and what each role may do."""

from __future__ import annotations

from typing import Literal

Role = Literal["owner", "manager", "staff", "read_only"]
ROLES: tuple[Role, ...] = ("owner", "manager", "staff", "read_only")
_RANKS = {"owner": 3, "manager": 2, "staff": 1, "read_only": 0}


def email_key(email: str) -> str:
    """The form an e-mail address is unique and looked up in: trimmed and folded to lower case."""
    return email.strip().casefold()


def rank(role: str) -> int:
    """How much a role may do: owner 3, manager 2, staff 1, read_only 0."""
    return _RANKS[role]
