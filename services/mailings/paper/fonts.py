"""The embedded Unicode fonts (DejaVu Sans, from the system's fonts-dejavu-core), registered with reportlab once per process.

The font files come from the operating system's package (Debian's fonts-dejavu-core: `deploy/ensure-infra.sh`
installs it, the image's Dockerfile too), never from a copy in the repository. NEGOCE_FONTS_DIR points
elsewhere where the distribution keeps them in another folder.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_FONTS_DIR = "/usr/share/fonts/truetype/dejavu"
REGULAR = "NegoceSans"
BOLD = "NegoceSans-Bold"
# PDF's built-in Helvetica has no Œ, € or "ᵉ"; a TrueType font, embedded (as a subset), prints them everywhere.
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
# Both faces' glyph box, in ems: 0.76 above the baseline, 0.24 below. PDF readers (pdfplumber too) take a
# line's box from these, so a block placed with them lands exactly where it is measured.
ASCENT = 0.76
DESCENT = 0.24
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the regular and bold fonts with reportlab, the first time only (render jobs may run in threads)."""
    global _registered
    if _registered:
        return
    with _lock:
        if not _registered:
            folder = Path(os.environ.get("NEGOCE_FONTS_DIR") or DEFAULT_FONTS_DIR)
            for name, filename in _FILES.items():
                path = folder / filename
                if not path.is_file():
                    raise FileNotFoundError(
                        f"{path} is missing: install the DejaVu fonts (Debian: apt-get install fonts-dejavu-core)"
                        " or set NEGOCE_FONTS_DIR to the folder that holds DejaVuSans.ttf"
                    )
                pdfmetrics.registerFont(TTFont(name, str(path)))
            _registered = True


class _Drawable(dict):
    """A str.translate table keeping the characters the font has a glyph for; learnt one character at a time."""

    def __init__(self, font: str) -> None:
        super().__init__()
        self._glyphs = pdfmetrics.getFont(font).face.charToGlyph

    def __missing__(self, code: int) -> int | None:
        self[code] = code if code in self._glyphs or code in (9, 10, 13) else None
        return self[code]


_tables: dict[str, _Drawable] = {}


def drawable(text: str, font: str) -> str:
    """The text without the characters ``font`` cannot draw (an emoji, a CJK name): they would print as boxes."""
    table = _tables.get(font)
    if table is None:
        register_fonts()
        table = _tables.setdefault(font, _Drawable(font))
    return text.translate(table)
