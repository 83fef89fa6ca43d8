"""The documents' fonts: Bitstream Vera, the TrueType faces reportlab ships, embedded (PDF/A) as subsets."""

from __future__ import annotations

import threading
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# Read from the installed reportlab package (reportlab/fonts): the repository holds no font file.
FONTS_DIR = Path(reportlab.__file__).with_name("fonts")
REGULAR = "DocumentSans"
BOLD = "DocumentSans-Bold"
_FILES = {REGULAR: "Vera.ttf", BOLD: "VeraBd.ttf"}
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the regular and bold faces with reportlab, once per process (renders may run in threads)."""
    global _registered
    if _registered:
        return
    with _lock:
        if not _registered:
            for name, filename in _FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / filename)))
            _registered = True


class _Drawable(dict[int, int | None]):
    """A str.translate table keeping the characters the face has a glyph for, learnt one character at a time."""

    def __init__(self, font: str) -> None:
        super().__init__()
        self._glyphs = pdfmetrics.getFont(font).face.charToGlyph

    def __missing__(self, code: int) -> int | None:
        # A narrow no-break space (French typography) has no glyph in Vera: a plain space prints the same.
        value = 32 if code in (0x202F, 0x2009) else code if code in self._glyphs else None
        self[code] = value
        return value


_tables: dict[str, _Drawable] = {}


def drawable(text: str, font: str = REGULAR) -> str:
    """The text without the characters ``font`` cannot draw (an emoji): they would print as empty boxes."""
    table = _tables.get(font)
    if table is None:
        register_fonts()
        table = _tables.setdefault(font, _Drawable(font))
    return text.translate(table)


def width(text: str, font: str, size: float) -> float:
    """The text's width in points."""
    return pdfmetrics.stringWidth(text, font, size)
