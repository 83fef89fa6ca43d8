"""Hashing and checking passwords with argon2id; the work runs in a thread, off the event loop."""

from __future__ import annotations

import asyncio
import functools
import uuid

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.passwords import repository
from services.identity.passwords.domain import weakness
from services.identity.settings import IdentitySettings
from shared.errors import InvalidField


@functools.cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID)


def hasher(settings: IdentitySettings) -> PasswordHasher:
    """The argon2id hasher with the configured parameters."""
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism)


@functools.cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_cost, parallelism).hash("an unknown user's password is never this one")


def check_strength(password: str, *, email: str, field: str = "password") -> None:
    """Refuse a weak password with a 422 naming the field and stating the rule."""
    problem = weakness(password, email=email)
    if problem is not None:
        raise InvalidField(field, problem)


async def hash_password(*, settings: IdentitySettings, password: str) -> str:
    """The argon2id hash of a password (about the configured cost, in a worker thread)."""
    return await asyncio.to_thread(hasher(settings).hash, password)


async def set_password(
    session: AsyncSession, *, settings: IdentitySettings, user_id: uuid.UUID, email: str, password: str
) -> None:
    """Check a new password against the rule and store its hash."""
    check_strength(password, email=email)
    await repository.save_hash(
        session, user_id=user_id, hashed=await hash_password(settings=settings, password=password)
    )


async def password_matches(
    session: AsyncSession, *, settings: IdentitySettings, user_id: uuid.UUID | None, password: str
) -> bool:
    """Whether the password is the user's; without a user or a hash, a dummy hash is checked for the same time."""
    stored = await repository.password_hash(session, user_id=user_id) if user_id is not None else None
    parameters = (settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism)
    target = stored or _dummy_hash(*parameters)
    try:
        await asyncio.to_thread(hasher(settings).verify, target, password)
    except (VerificationError, InvalidHashError):
        return False
    if stored is None:
        return False
    if user_id is not None and hasher(settings).check_needs_rehash(stored):
        # Parameters raised since this hash was made: store it again at today's cost.
        await repository.save_hash(
            session, user_id=user_id, hashed=await hash_password(settings=settings, password=password)
        )
    return True
