"""How a password travels in a request body."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# Taken as typed: the bodies' usual stripping of spaces would change it. The length is bounded here
# only against abuse; the rule (passwords/domain.py) says what a new password must be.
PasswordText = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=1024)]
