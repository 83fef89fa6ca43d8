"""Queries of password credentials."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import Password


async def password_hash(session: AsyncSession, *, user_id: uuid.UUID) -> str | None:
    """The stored hash of a user's password, if they have one."""
    row = await session.get(Password, user_id)
    return row.hash if row is not None else None


async def save_hash(session: AsyncSession, *, user_id: uuid.UUID, hashed: str) -> None:
    """Store a user's (new) password hash."""
    statement = insert(Password).values(user_id=user_id, hash=hashed)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Password.user_id], set_={"hash": statement.excluded.hash, "changed_at": func.now()}
        )
    )
