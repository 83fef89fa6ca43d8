"""Request and response bodies of the account's reminder settings and user directory (pydantic)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from services.reminders.accounts.domain import zone
from shared.schemas import StrictBody

UserId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\s/]+$")]


class UserRead(BaseModel):
    """A user reminders may be assigned to."""

    user_id: str
    display_name: str
    email: str | None


class SettingsWrite(StrictBody):
    """The account's time zone, an IANA name such as Europe/Paris."""

    timezone: Annotated[str, Field(min_length=1, max_length=64)]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value


class SettingsRead(BaseModel):
    """The account's settings for reminders."""

    timezone: str
