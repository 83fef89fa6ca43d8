"""Queries of a client's notes."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import ClientNote


async def get_note(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, note_id: int) -> ClientNote | None:
    """One note of a client, or None."""
    return (
        await session.execute(
            select(ClientNote).where(
                ClientNote.account_id == account_id,
                ClientNote.client_id == client_id,
                ClientNote.id == note_id,
            )
        )
    ).scalar_one_or_none()


async def list_notes(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, limit: int) -> list[ClientNote]:
    """A client's notes, newest first."""
    rows = await session.execute(
        select(ClientNote)
        .where(
            ClientNote.account_id == account_id,
            ClientNote.client_id == client_id,
        )
        .order_by(ClientNote.noted_at.desc(), ClientNote.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())
