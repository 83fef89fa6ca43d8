"""What an API token's lifetime may be, pure."""

from __future__ import annotations

import re
from datetime import timedelta

_TTL = re.compile(r"(?P<count>[1-9][0-9]{0,5})(?P<unit>[dh])")


def parse_ttl(text: str, *, max_days: int) -> timedelta:
    """A lifetime written as days or hours (``30d``, ``12h``), at most ``max_days``; ValueError otherwise."""
    match = _TTL.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a lifetime such as 30d or 12h")
    count = int(match["count"])
    ttl = timedelta(days=count) if match["unit"] == "d" else timedelta(hours=count)
    if ttl > timedelta(days=max_days):
        raise ValueError(f"at most {max_days} days")
    return ttl
