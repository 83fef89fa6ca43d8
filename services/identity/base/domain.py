"""Rules every identity slice shares: e-mail keys, roles and what each role may do, who acts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

Role = Literal["owner", "manager", "staff", "read_only"]
# The languages the web console has catalogues for.
Language = Literal["fr", "en"]
ROLES: tuple[Role, ...] = ("owner", "manager", "staff", "read_only")
_RANKS = {"owner": 3, "manager": 2, "staff": 1, "read_only": 0}


def email_key(email: str) -> str:
    """The form an e-mail address is unique and looked up in: trimmed and folded to lower case."""
    return email.strip().casefold()


def rank(role: str) -> int:
    """How much a role may do: owner 3, manager 2, staff 1, read_only 0."""
    return _RANKS[role]


def lower_role(a: str, b: str) -> str:
    """The lesser of two roles (an API token acts with its own role, never more than its user's)."""
    return a if rank(a) <= rank(b) else b


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does an action, as the audit trail records it: a user with a role, or the command line (no user)."""

    user_id: uuid.UUID | None = None
    role: str | None = None
    client_address: str | None = None


# Actions run by an operator with `negoce ...`: no user, no address.
COMMAND_LINE = Actor()
