"""Merge fields of a letter's title and text: {{first_name}} and friends, filled in per recipient."""

from __future__ import annotations

import re
from collections.abc import Mapping

MERGE_FIELDS: tuple[str, ...] = ("title", "first_name", "last_name", "company", "display_name")
# Spaces inside the braces are tolerated ({{ first_name }}): that is how people type them.
_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def unknown_fields(template: str) -> list[str]:
    """The merge fields of ``template`` that are not in MERGE_FIELDS, in order of appearance, once each."""
    found = [match.group(1) for match in _FIELD.finditer(template)]
    return list(dict.fromkeys(name for name in found if name not in MERGE_FIELDS))


def merge_fields(template: str, values: Mapping[str, str | None]) -> str:
    """``template`` with each {{field}} replaced by its value (None or absent: empty); ValueError on an unknown one."""
    unknown = unknown_fields(template)
    if unknown:
        raise ValueError(f"unknown merge field {{{{{unknown[0]}}}}}; the fields are " + ", ".join(MERGE_FIELDS))
    # One pass: a value that itself contains "{{...}}" is printed as typed, never expanded.
    return _FIELD.sub(lambda match: values.get(match.group(1)) or "", template)
