"""Limits on attempts in a sliding window, per e-mail address and per client address (sign-ins, reset requests)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.sessions.domain import seconds_until_allowed
from shared.errors import TooManyAttempts

# The time of the limit-th latest attempt since a moment, by column and value; None while under the limit.
NthLatestAttempt = Callable[..., Awaitable[datetime | None]]


async def refuse_over_limits(
    session: AsyncSession,
    *,
    attempts: str,
    nth_latest: NthLatestAttempt,
    window: timedelta,
    email_key: tuple[str, int],
    client_address: tuple[str, int],
    now: datetime,
) -> None:
    """429 (TooManyAttempts, with when to retry) once the e-mail address or the client address is at its limit."""
    for column, (value, limit) in (("email_key", email_key), ("client_address", client_address)):
        pivot = await nth_latest(session, column=column, value=value, since=now - window, limit=limit)
        if pivot is not None:
            retry_after = seconds_until_allowed(pivot, window=window, now=now)
            raise TooManyAttempts(
                f"Too many {attempts} for this {'address' if column == 'client_address' else 'e-mail address'}; "
                f"retry in {retry_after} s.",
                retry_after=retry_after,
            )
