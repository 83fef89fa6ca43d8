"""Text normalisation shared by services (search and sort keys)."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower-case, accents removed, spaces collapsed: 'Hélène  Œillet' -> 'helene oeillet'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace("œ", "oe").replace("æ", "ae").split())
