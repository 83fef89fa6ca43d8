"""Events published by the identity service (exchange negoce.identity)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.events.envelope import Event

Role = Literal["owner", "manager", "staff", "read_only"]
RevocationReason = Literal["signed_out", "refresh_token_reused", "user_disabled"]


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
    """A session (a family of refresh tokens) that ended before its time."""

    session_id: uuid.UUID = Field(description="The refresh-token family; its access tokens carry it as 'sid'")
    user_id: uuid.UUID
    reason: RevocationReason
    revoked_at: datetime


class TokenRevoked(Event):
    """A session's refresh tokens were revoked (sign-out, reuse of a spent refresh token, a disabled user)."""

    TYPE = "token.revoked"
    type: Literal["token.revoked"] = "token.revoked"
    payload: TokenRevokedPayload


IDENTITY_EVENTS: tuple[type[Event], ...] = (
    AccountCreated,
    UserInvited,
    UserJoined,
    UserUpdated,
    UserDisabled,
    TokenRevoked,
)
