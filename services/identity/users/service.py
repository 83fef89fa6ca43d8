"""Use cases of users: invite, accept an invitation, change a name or role, disable, list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.api_tokens.service import revoke_user_api_tokens
from services.identity.audit.service import record
from services.identity.base import repository as base
from services.identity.base.domain import Actor, email_key, rank
from services.identity.base.emails import INVITATION_PATH, invitation_email, link
from services.identity.base.events import publish, user_payload
from services.identity.models import User
from services.identity.passwords.service import set_password
from services.identity.sessions.domain import new_opaque_token, token_hash
from services.identity.sessions.service import revoke_user_sessions
from services.identity.settings import IdentitySettings
from services.identity.users import repository
from services.identity.users.schemas import InvitationCreate, OwnPreferences, UserUpdate
from shared.errors import Conflict, Gone, NotFound
from shared.events.identity import (
    SignInEmailRequested,
    UserDisabled,
    UserInvited,
    UserInvitedPayload,
    UserJoined,
    UserUpdated,
)


def user_view(user: User) -> dict[str, Any]:
    """A user as the API shows them."""
    return {
        "id": user.id,
        "account_id": user.account_id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "language": user.language,
        "active": user.disabled_at is None,
        "joined": user.joined_at is not None,
    }


async def add_user(session: AsyncSession, *, account_id: uuid.UUID, email: str, name: str, role: str) -> User:
    """A new user of an account; 409 when the e-mail address is already someone's (in any account)."""
    key = email_key(email)
    if await base.user_by_email_key(session, email_key=key) is not None:
        raise Conflict(f"The e-mail address {email} is already used.", extra={"field": "email"})
    return await repository.add_user(
        session, account_id=account_id, email=email.strip(), email_key=key, name=name, role=role
    )


async def join(session: AsyncSession, *, settings: IdentitySettings, user: User, password: str) -> None:
    """Give a user their password and announce that they joined."""
    await set_password(session, settings=settings, user_id=user.id, email=user.email, password=password)
    user.joined_at = user.updated_at = datetime.now(UTC)
    await publish(session, UserJoined, account_id=user.account_id, payload=user_payload(user))


async def invite_user(
    session: AsyncSession,
    *,
    settings: IdentitySettings,
    account_id: uuid.UUID,
    data: InvitationCreate,
    actor: Actor,
) -> dict[str, Any]:
    """Create a user who has not joined yet and a single-use invitation, e-mailed to them by the mailings service."""
    invited_by = actor.user_id
    account = await base.get_account(session, account_id=account_id)
    if account is None or account.closed_at is not None:
        raise NotFound(f"No open account {account_id}.")
    user = await add_user(session, account_id=account_id, email=str(data.email), name=data.name, role=data.role)
    token = new_opaque_token()
    expires_at = datetime.now(UTC) + timedelta(seconds=settings.invitation_seconds)
    await repository.add_invitation(
        session,
        account_id=account_id,
        user_id=user.id,
        token_hash=token_hash(token),
        invited_by=invited_by,
        expires_at=expires_at,
    )
    payload = UserInvitedPayload(**user_payload(user).model_dump(), invited_by=invited_by, expires_at=expires_at)
    await publish(session, UserInvited, account_id=account_id, payload=payload)
    url = link(settings.public_url, INVITATION_PATH, token)
    days = max(1, settings.invitation_seconds // 86_400)
    email = invitation_email(user, account_name=account.name, url=url, days=days)
    await publish(session, SignInEmailRequested, account_id=account_id, payload=email)
    await record(
        session,
        account_id=account_id,
        actor=actor,
        action="user.invited",
        target=f"user:{user.id}",
        detail={"email": user.email, "role": user.role},
    )
    return {"user": user_view(user), "invitation_token": token, "invitation_url": url, "expires_at": expires_at}


async def accept_invitation(
    session: AsyncSession, *, settings: IdentitySettings, token: str, password: str
) -> dict[str, Any]:
    """Set the invited user's password: once, before the invitation expires."""
    invitation = await repository.invitation_for_update(session, token_hash=token_hash(token))
    if invitation is None:
        raise NotFound("No invitation has this token.")
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted: sign in with its password.")
    if invitation.expires_at <= datetime.now(UTC):
        raise Gone("This invitation has expired: ask for a new one.")
    user = await base.get_user(session, user_id=invitation.user_id, for_update=True)
    if user is None or user.disabled_at is not None:
        raise Gone("This user was disabled since the invitation.")
    await join(session, settings=settings, user=user, password=password)
    invitation.accepted_at = datetime.now(UTC)
    return user_view(user)


async def list_users(session: AsyncSession, *, account_id: uuid.UUID) -> list[dict[str, Any]]:
    """The account's users."""
    return [user_view(u) for u in await repository.users_of_account(session, account_id=account_id)]


async def _user_of_account(session: AsyncSession, *, account_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = await base.get_user(session, user_id=user_id, for_update=True)
    if user is None or user.account_id != account_id:
        raise NotFound(f"No user {user_id} in this account.")
    return user


async def set_own_preferences(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: uuid.UUID, data: OwnPreferences
) -> dict[str, Any]:
    """Change the signed-in user's own preferences (the console's language); no role is needed."""
    user = await _user_of_account(session, account_id=account_id, user_id=user_id)
    if data.language is not None and data.language != user.language:
        user.language = data.language
        user.updated_at = datetime.now(UTC)
    return user_view(user)


async def update_user(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: uuid.UUID, data: UserUpdate, by: Actor
) -> dict[str, Any]:
    """Change a user's name or role; an owner cannot take their own owner role away (the account would have none).

    A role lowered revokes the user's API tokens that have a higher one.
    """
    user = await _user_of_account(session, account_id=account_id, user_id=user_id)
    if data.role is not None and data.role != user.role and user.id == by.user_id:
        raise Conflict("You cannot change your own role; another owner can.", extra={"field": "role"})
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    changed = {name: value for name, value in changes.items() if getattr(user, name) != value}
    previous_role = user.role
    if changed:
        for name, value in changed.items():
            setattr(user, name, value)
        user.updated_at = datetime.now(UTC)
        await publish(session, UserUpdated, account_id=account_id, payload=user_payload(user))
    if "role" in changed:
        await record(
            session,
            account_id=account_id,
            actor=by,
            action="user.role_changed",
            target=f"user:{user.id}",
            detail={"from": previous_role, "to": user.role},
        )
        if rank(user.role) < rank(previous_role):
            await revoke_user_api_tokens(
                session, user_id=user.id, reason="role_lowered", actor=by, above_role=user.role
            )
    return user_view(user)


async def disable_user(
    session: AsyncSession, *, account_id: uuid.UUID, user_id: uuid.UUID, by: Actor
) -> dict[str, Any]:
    """Disable a user: no more sign-ins, their sessions and API tokens revoked (each announced), user.disabled published."""
    user = await _user_of_account(session, account_id=account_id, user_id=user_id)
    if user.id == by.user_id:
        raise Conflict("You cannot disable yourself; another owner can.")
    if user.disabled_at is None:
        user.disabled_at = user.updated_at = datetime.now(UTC)
        await revoke_user_sessions(session, user_id=user.id, reason="user_disabled")
        await revoke_user_api_tokens(session, user_id=user.id, reason="user_disabled", actor=by)
        await publish(session, UserDisabled, account_id=account_id, payload=user_payload(user))
        await record(session, account_id=account_id, actor=by, action="user.disabled", target=f"user:{user.id}")
    return user_view(user)
