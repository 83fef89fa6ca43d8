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


def one_line(text: str | None) -> str:
    """The text on one line: every control character or line separator becomes a space, spaces collapsed."""
    if not text:
        return ""
    spaced = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(spaced.split())
