"""Queries of users and invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.models import Invitation, User


async def add_user(
    session: AsyncSession, *, account_id: uuid.UUID, email: str, email_key: str, name: str, role: str
) -> User:
    """Insert a user (a unique e-mail key: a concurrent duplicate fails as a 409)."""
    user = User(id=uuid.uuid4(), account_id=account_id, email=email, email_key=email_key, name=name, role=role)
    session.add(user)
    await session.flush()
    return user


async def users_of_account(session: AsyncSession, *, account_id: uuid.UUID) -> list[User]:
    """An account's users, by name."""
    return list(
        (
            await session.execute(select(User).where(User.account_id == account_id).order_by(User.name, User.id))
        ).scalars()
    )


async def add_invitation(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    user_id: uuid.UUID,
    token_hash: bytes,
    invited_by: uuid.UUID | None,
    expires_at: datetime,
) -> Invitation:
    """Store an invitation (its token's hash only)."""
    invitation = Invitation(
        id=uuid.uuid4(),
        account_id=account_id,
        user_id=user_id,
        token_hash=token_hash,
        invited_by=invited_by,
        expires_at=expires_at,
    )
    session.add(invitation)
    await session.flush()
    return invitation


async def invitation_for_update(session: AsyncSession, *, token_hash: bytes) -> Invitation | None:
    """An invitation by its token's hash, locked: it is accepted once even when sent twice at once."""
    return (
        await session.execute(select(Invitation).where(Invitation.token_hash == token_hash).with_for_update())
    ).scalar_one_or_none()
