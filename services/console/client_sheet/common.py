"""What the sheet's forms share: the API's refusal turned into messages beside the fields."""

from __future__ import annotations

from services.console.base.api import ApiError

# A refusal that names what to correct: shown beside the form, the rest goes to the error page.
FORM_REFUSALS = (400, 409, 422)


def refusal_messages(refused: ApiError, *, prefix: str = "") -> dict[str, str]:
    """The API's messages under the form's field names (``prefix`` + the API's top-level name); re-raise others."""
    if refused.status not in FORM_REFUSALS:
        raise refused
    messages: dict[str, str] = {}
    for name, message in refused.field_errors().items():
        # A prefixed form has flat fields: recipients.0 is its recipients field.
        messages.setdefault(prefix + name.split(".")[0] if prefix else name, message)
    return messages or {"": refused.detail}


def N_(message: str) -> str:
    """Mark a message for the catalogue; the template translates it where it shows."""
    return message
