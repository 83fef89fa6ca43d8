"""Request and response bodies of sign-in, refresh and sign-out."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from services.identity.base.domain import Language, Role
from services.identity.passwords.schemas import PasswordText
from shared.schemas import StrictBody


class SignIn(StrictBody):
    """An e-mail address and a password."""

    email: str = Field(min_length=1, max_length=320)
    password: PasswordText


class RefreshTokenBody(StrictBody):
    """A refresh token, as the last sign-in or refresh returned it."""

    refresh_token: str = Field(min_length=1, max_length=200)


class TokenUser(BaseModel):
    """Who the tokens are for."""

    id: uuid.UUID
    account_id: uuid.UUID
    email: str
    name: str
    role: Role
    language: Language = "fr"


class Tokens(BaseModel):
    """An access token (send it as ``Authorization: Bearer``) and the refresh token that gets the next one."""

    token_type: Literal["Bearer"] = "Bearer"
    access_token: str = Field(description="EdDSA JWT; verify it with the keys at /api/identity/.well-known/jwks.json")
    expires_in: int = Field(description="Seconds the access token is valid for (at most 900)")
    refresh_token: str = Field(description="Single-use: a refresh spends it and returns the next one")
    refresh_expires_in: int = Field(description="Seconds until the session ends, however often it is refreshed")
    user: TokenUser
