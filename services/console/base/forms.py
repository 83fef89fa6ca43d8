"""Form bodies turned into the API's JSON, and the API's 422 turned back into messages beside the fields."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from services.console.base.security import CSRF_FIELD


def last_values(form: FormData) -> dict[str, str]:
    """Each field's last value: a checked box sends its hidden "false" first, then "true"."""
    values: dict[str, str] = {}
    for name, value in form.multi_items():
        if name != CSRF_FIELD and isinstance(value, str):
            values[name] = value
    return values


def nested_body(
    values: dict[str, str],
    *,
    booleans: frozenset[str] = frozenset(),
    integers: frozenset[str] = frozenset(),
    keep_empty: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Dotted field names (billing_address.city) as nested objects; an empty field is left out (or null if kept)."""
    body: dict[str, Any] = {}
    for name, raw in values.items():
        text = raw.strip()
        value: Any
        if name in booleans:
            value = text.lower() in ("true", "on", "1", "oui")
        elif text == "":
            if name not in keep_empty:
                continue
            value = None
        elif name in integers:
            # Not a number: sent as written, so that the API names the field in its 422.
            value = int(text) if text.lstrip("-").isdigit() else text
        else:
            value = text
        target = body
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return body
