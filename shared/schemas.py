"""Request-body conventions shared by the services."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class StrictBody(BaseModel):
    """Unknown fields are errors, strings are stripped, and NUL characters are refused.

    PostgreSQL cannot store NUL in text: caught here, the answer names the field instead of
    failing in the database.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_character(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("must not contain a NUL character")
        return value
