"""Request and response bodies of password resets."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, EmailStr, Field

from services.identity.passwords.schemas import PasswordText
from shared.schemas import StrictBody


class PasswordResetRequestBody(StrictBody):
    """The e-mail address of the account to reset."""

    email: EmailStr


class PasswordResetRequested(BaseModel):
    """The same answer whether the address has an account or not."""

    detail: str


class PasswordResetConfirm(StrictBody):
    """The reset link's token and the new password."""

    token: str = Field(min_length=1, max_length=200)
    password: Annotated[PasswordText, Field(description="The rule is stated in the 422 of a password that breaks it")]
