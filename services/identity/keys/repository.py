"""Queries of signing keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import ApiToken, SigningKey

# Serialises the creation and rotation of keys across processes (a transaction-scoped advisory lock).
KEYS_LOCK = "negoce-identity:signing-keys"


async def lock_keys(session: AsyncSession) -> None:
    """Wait for, then hold until the transaction ends, the right to create or retire keys."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(KEYS_LOCK, 0))))


async def active_key(session: AsyncSession) -> SigningKey | None:
    """The key that signs: the newest one not retired."""
    return (
        await session.execute(
            select(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.created_at.desc(), SigningKey.kid)
            .limit(1)
        )
    ).scalar_one_or_none()


async def published_keys(session: AsyncSession, *, now: datetime) -> list[SigningKey]:
    """The keys whose public half is published: the active one and those retired recently."""
    return list(
        (
            await session.execute(
                select(SigningKey)
                .where(or_(SigningKey.published_until.is_(None), SigningKey.published_until > now))
                .order_by(SigningKey.created_at.desc(), SigningKey.kid)
            )
        ).scalars()
    )


async def add_key(session: AsyncSession, *, kid: str, private_key: bytes, public_jwk: dict[str, str]) -> None:
    """Store a new key (it signs from the moment the transaction commits)."""
    session.add(SigningKey(kid=kid, private_key=private_key, public_jwk=public_jwk))
    await session.flush()


async def retire_keys(session: AsyncSession, *, except_kid: str, now: datetime, published_until: datetime) -> None:
    """Stop every other unretired key from signing; keep it published until ``published_until``."""
    await session.execute(
        update(SigningKey)
        .where(SigningKey.retired_at.is_(None), SigningKey.kid != except_kid)
        .values(retired_at=now, published_until=published_until)
    )


async def keep_published_for_api_tokens(session: AsyncSession, *, margin: timedelta) -> None:
    """Keep each retired key published until the last live API token it signed has expired (plus a margin)."""
    last_expiry = (
        select(func.max(ApiToken.expires_at))
        .where(ApiToken.kid == SigningKey.kid, ApiToken.revoked_at.is_(None))
        .scalar_subquery()
    )
    await session.execute(
        update(SigningKey)
        .where(SigningKey.retired_at.is_not(None), last_expiry + margin > SigningKey.published_until)
        .values(published_until=last_expiry + margin)
    )
