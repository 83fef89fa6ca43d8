"""Queries of an erasure: what identifies a client beyond its row, and the account's count of erasures."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Account, ClientNote, Contact, TimelineEntry

# Timeline lines whose text the user wrote or that quote personal data (a note, an e-mail's address
# and subject, a reminder's text, a blocking reason). Other lines hold numbers, amounts, dates, user
# ids, campaign names, or name another client by id (services.clients.timeline.domain.OTHER_CLIENT).
PERSONAL_CATEGORIES = ("note", "email", "reminder", "block")


async def erase_personal_data(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> None:
    """Remove what identifies a client beyond its row: contacts, notes, and the timeline's free texts."""
    await session.execute(delete(Contact).where(Contact.account_id == account_id, Contact.client_id == client_id))
    await session.execute(
        delete(ClientNote).where(ClientNote.account_id == account_id, ClientNote.client_id == client_id)
    )
    await session.execute(
        delete(TimelineEntry).where(
            TimelineEntry.account_id == account_id,
            TimelineEntry.client_id == client_id,
            TimelineEntry.category.in_(PERSONAL_CATEGORIES),
        )
    )


async def count_erasure(session: AsyncSession, *, account_id: uuid.UUID) -> None:
    """Count one more erasure in the account (what the export worker checks its snapshot against)."""
    await session.execute(update(Account).where(Account.id == account_id).values(erasures=Account.erasures + 1))
