"""Request and response bodies of users and invitations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field

from services.identity.base.domain import Language, Role
from services.identity.passwords.schemas import PasswordText
from shared.schemas import StrictBody


class UserRead(BaseModel):
    """A user of the account."""

    id: uuid.UUID
    account_id: uuid.UUID
    email: str
    name: str
    role: Role
    language: Language = Field(description="The language the web console speaks to this user")
    active: bool = Field(description="False once disabled")
    joined: bool = Field(description="Whether the user has set a password")


class InvitationCreate(StrictBody):
    """Who to invite, and with which role."""

    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    role: Role = "staff"


class InvitationCreated(BaseModel):
    """The invited user and the single-use link that lets them set a password."""

    user: UserRead
    invitation_token: str = Field(description="Shown once; only its hash is kept")
    invitation_url: str
    expires_at: datetime


class InvitationAccept(StrictBody):
    """The invitation's token and the password the user chooses."""

    token: str = Field(min_length=1, max_length=200)
    password: Annotated[PasswordText, Field(description="The rule is stated in the 422 of a password that breaks it")]


class OwnPreferences(StrictBody):
    """What a user chooses for themselves (what is left out stays)."""

    language: Language | None = None


class UserUpdate(StrictBody):
    """A new name or role (what is left out stays)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
