"""Opaque tokens and the sign-in limit's arithmetic, pure."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta


def new_opaque_token() -> str:
    """A random token for the caller to keep (256 bits, URL-safe); only its hash is stored."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """What is stored of an opaque token: its SHA-256 (a stolen table gives no usable token)."""
    return hashlib.sha256(token.encode()).digest()


def seconds_until_allowed(limit_th_latest_failure: datetime, *, window: timedelta, now: datetime) -> int:
    """Seconds until the failures in the window fall below the limit again (at least 1).

    The limit-th most recent failure is the one whose leaving the window allows one more attempt.
    """
    return max(1, math.ceil((limit_th_latest_failure + window - now).total_seconds()))
