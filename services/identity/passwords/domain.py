"""The password rule, pure: what a password must be, said the same way everywhere."""

from __future__ import annotations

MIN_LENGTH = 12
# argon2 hashes any length, but a long input costs time before the hash: bounded like any field.
MAX_LENGTH = 256
RULE = (
    f"a password needs {MIN_LENGTH} to {MAX_LENGTH} characters of at least two kinds "
    "(lower-case letters, capitals, digits, other characters) and must not contain the e-mail address "
    "or its part before the @"
)


def character_kinds(password: str) -> int:
    """How many kinds of characters a password mixes: lower-case, capitals, digits, others."""
    kinds = {
        "lower" if c.islower() else "upper" if c.isupper() else "digit" if c.isdigit() else "other" for c in password
    }
    return len(kinds)


def weakness(password: str, *, email: str) -> str | None:
    """Why a password breaks the rule (the rule itself, with the reason first), or None when it is fine."""
    local_part = email.split("@", 1)[0].casefold()
    folded = password.casefold()
    if len(password) < MIN_LENGTH:
        reason = f"too short ({len(password)} characters)"
    elif len(password) > MAX_LENGTH:
        reason = f"too long ({len(password)} characters)"
    elif character_kinds(password) < 2:
        reason = "only one kind of character"
    elif email.casefold() in folded or (len(local_part) >= 4 and local_part in folded):
        reason = "it contains the e-mail address"
    else:
        return None
    return f"{reason}: {RULE}"
