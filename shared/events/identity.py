"""Events published by the identity service (exchange negoce.identity)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.events.envelope import Event

Role = Literal["owner", "manager", "staff", "read_only"]
RevocationReason = Literal[
    "signed_out", "refresh_token_reused", "user_disabled", "api_token_revoked", "password_reset", "role_lowered"
]


class AccountPayload(BaseModel):
    """An account (tenant) as identity knows it."""

    account_id: uuid.UUID
    name: str
    owner_user_id: uuid.UUID = Field(description="The user created with the account, its first owner")


class AccountCreated(Event):
    """An account was created together with its owner."""

    TYPE = "account.created"
    type: Literal["account.created"] = "account.created"
    payload: AccountPayload


class UserPayload(BaseModel):
    """A user's state after the change the event announces."""

    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    active: bool = Field(description="False once the user is disabled: their tokens are refused")
    joined: bool = Field(description="Whether the user has set a password (accepted an invitation)")


class UserInvitedPayload(UserPayload):
    """An invited user, who they were invited by and until when the invitation holds."""

    invited_by: uuid.UUID | None = Field(description="The user who invited; None when invited from the command line")
    expires_at: datetime


class UserInvited(Event):
    """A user was invited to an account; they join by accepting the invitation."""

    TYPE = "user.invited"
    type: Literal["user.invited"] = "user.invited"
    payload: UserInvitedPayload


class UserJoined(Event):
    """A user set their password (accepted their invitation) and can sign in."""

    TYPE = "user.joined"
    type: Literal["user.joined"] = "user.joined"
    payload: UserPayload


class UserUpdated(Event):
    """A user's name or role changed."""

    TYPE = "user.updated"
    type: Literal["user.updated"] = "user.updated"
    payload: UserPayload


class UserDisabled(Event):
    """A user was disabled: they cannot sign in and their sessions were revoked."""

    TYPE = "user.disabled"
    type: Literal["user.disabled"] = "user.disabled"
    payload: UserPayload


class TokenRevokedPayload(BaseModel):
    """A session (a family of refresh tokens) or an API token that ended before its time.

    Exactly one of ``session_id`` and ``api_token_id`` is set. Services refuse the access tokens
    carrying it (as ``sid`` or ``jti``) until ``refuse_until``, after which none can still be valid.
    """

    session_id: uuid.UUID | None = Field(
        default=None, description="The refresh-token family; its access tokens carry it as 'sid'"
    )
    api_token_id: uuid.UUID | None = Field(default=None, description="An API token; it carries its id as 'jti'")
    user_id: uuid.UUID
    reason: RevocationReason
    revoked_at: datetime
    refuse_until: datetime | None = Field(
        default=None,
        description="When the last token it covers expires anyway; None means 15 minutes after revoked_at",
    )


class TokenRevoked(Event):
    """A session or an API token was revoked (sign-out, reuse of a spent refresh token, a disabled user,
    a password reset, an API token revoked or above its user's new role)."""

    TYPE = "token.revoked"
    type: Literal["token.revoked"] = "token.revoked"
    payload: TokenRevokedPayload


class AccountClosedPayload(BaseModel):
    """An account that was closed: its users cannot sign in and its tokens are refused everywhere."""

    account_id: uuid.UUID
    closed_at: datetime


class AccountClosed(Event):
    """An account was closed."""

    TYPE = "account.closed"
    type: Literal["account.closed"] = "account.closed"
    payload: AccountClosedPayload


class SignInEmailPayload(BaseModel):
    """An e-mail identity needs sent to one person: an invitation or a password-reset link."""

    user_id: uuid.UUID
    to: str
    kind: Literal["invitation", "password_reset"]
    subject: str
    body: str = Field(description="Plain text, with the single-use link in it")


class SignInEmailRequested(Event):
    """Identity asks the mailings service to send an invitation or password-reset e-mail."""

    TYPE = "sign_in_email.requested"
    type: Literal["sign_in_email.requested"] = "sign_in_email.requested"
    payload: SignInEmailPayload


IDENTITY_EVENTS: tuple[type[Event], ...] = (
    AccountCreated,
    AccountClosed,
    SignInEmailRequested,
    UserInvited,
    UserJoined,
    UserUpdated,
    UserDisabled,
    TokenRevoked,
)
