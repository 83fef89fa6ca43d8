"""Writing identity's events to its outbox, and the user as events describe them."""

from __future__ import annotations

import uuid
from typing import cast

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import User, outbox
from shared.events.envelope import E
from shared.events.identity import Role, UserPayload
from shared.outbox import add_event


async def publish(session: AsyncSession, event_class: type[E], *, account_id: uuid.UUID, payload: BaseModel) -> E:
    """Write an event in the caller's transaction; the relay publishes it once that commits."""
    return await add_event(session, outbox, event_class, account_id=account_id, payload=payload)


def user_payload(user: User) -> UserPayload:
    """A user's state as user events carry it."""
    return UserPayload(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=cast(Role, user.role),  # the users table's check constraint keeps it one of the roles
        active=user.disabled_at is None,
        joined=user.joined_at is not None,
    )
