"""Use cases of password resets: ask for a link (the same answer for any address), choose a new password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.audit.service import record
from services.identity.base import repository as base
from services.identity.base.domain import Actor, email_key
from services.identity.base.emails import PASSWORD_RESET_PATH, link, password_reset_email
from services.identity.base.events import publish
from services.identity.base.limits import refuse_over_limits
from services.identity.passwords.service import set_password
from services.identity.resets import repository
from services.identity.sessions import repository as sign_ins
from services.identity.sessions.domain import new_opaque_token, token_hash
from services.identity.sessions.service import revoke_user_sessions
from services.identity.settings import IdentitySettings
from services.identity.users.service import user_view
from shared.errors import Conflict, Gone, NotFound
from shared.events.identity import SignInEmailRequested

REQUESTED = "If this address has an account, a link to choose a new password was sent to it."


async def _check_limits(
    session: AsyncSession, *, settings: IdentitySettings, key: str, client_address: str, now: datetime
) -> None:
    await refuse_over_limits(
        session,
        attempts="reset requests",
        nth_latest=repository.limit_th_latest_request,
        window=timedelta(seconds=settings.password_reset_window_seconds),
        email_key=(key, settings.password_reset_requests_per_email),
        client_address=(client_address, settings.password_reset_requests_per_address),
        now=now,
    )


async def request_reset(
    session: AsyncSession, *, settings: IdentitySettings, email: str, client_address: str
) -> dict[str, Any]:
    """E-mail a single-use reset link to a joined, active user; the same answer for an unknown address.

    Requests count against the e-mail address and the client address whatever the address is, so
    that neither the answer nor the limit tells which addresses have an account.
    """
    key, now = email_key(email), datetime.now(UTC)
    await _check_limits(session, settings=settings, key=key, client_address=client_address, now=now)
    await repository.record_request(session, email_key=key, client_address=client_address)
    await repository.forget_requests_before(
        session, email_key=key, before=now - timedelta(seconds=settings.password_reset_window_seconds)
    )
    user = await base.user_by_email_key(session, email_key=key)
    account = await base.get_account(session, account_id=user.account_id) if user is not None else None
    if user is None or user.disabled_at is not None or user.joined_at is None:
        return {"detail": REQUESTED}
    if account is None or account.closed_at is not None:
        return {"detail": REQUESTED}
    token = new_opaque_token()
    await repository.add_reset(
        session,
        user_id=user.id,
        token_hash=token_hash(token),
        expires_at=now + timedelta(seconds=settings.password_reset_seconds),
    )
    url = link(settings.public_url, PASSWORD_RESET_PATH, token)
    email_payload = password_reset_email(user, url=url, minutes=settings.password_reset_seconds // 60)
    await publish(session, SignInEmailRequested, account_id=user.account_id, payload=email_payload)
    await record(
        session,
        account_id=user.account_id,
        actor=Actor(client_address=client_address),
        action="password.reset_requested",
        target=f"user:{user.id}",
    )
    return {"detail": REQUESTED}


async def confirm_reset(
    session: AsyncSession, *, settings: IdentitySettings, token: str, password: str, client_address: str
) -> dict[str, Any]:
    """Set the new password of a reset link (once, within its hour) and end the user's sessions."""
    now = datetime.now(UTC)
    reset = await repository.reset_for_update(session, token_hash=token_hash(token))
    if reset is None:
        raise NotFound("No password reset has this token.")
    if reset.used_at is not None:
        raise Conflict("This reset link was already used: sign in, or ask for a new link.")
    if reset.expires_at <= now:
        raise Gone("This reset link has expired: ask for a new one.")
    user = await base.get_user(session, user_id=reset.user_id, for_update=True)
    account = await base.get_account(session, account_id=user.account_id) if user is not None else None
    if user is None or user.disabled_at is not None or account is None or account.closed_at is not None:
        raise Gone("This user can no longer sign in.")
    await set_password(session, settings=settings, user_id=user.id, email=user.email, password=password)
    await repository.use_resets_of_user(session, user_id=user.id, now=now)
    # Whoever knew the old password (or held a session) is out; the failed sign-ins that locked it are forgotten.
    await revoke_user_sessions(session, user_id=user.id, reason="password_reset")
    await sign_ins.forget_failures(session, email_key=user.email_key)
    await record(
        session,
        account_id=user.account_id,
        actor=Actor(user_id=user.id, role=user.role, client_address=client_address),
        action="password.reset",
        target=f"user:{user.id}",
    )
    return user_view(user)
