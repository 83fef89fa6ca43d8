"""The embedded Unicode fonts (DejaVu Sans, shipped in ./fonts), registered with reportlab once per process."""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS_DIR = Path(__file__).with_name("fonts")
REGULAR = "NegoceSans"
BOLD = "NegoceSans-Bold"
# PDF's built-in Helvetica has no Œ, € or "ᵉ"; a TrueType font, embedded (as a subset), prints them everywhere.
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the regular and bold fonts with reportlab, the first time only (render jobs may run in threads)."""
    global _registered
    if _registered:
        return
    with _lock:
        if not _registered:
            for name, filename in _FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / filename)))
            _registered = True


def font_metrics(name: str) -> tuple[float, float]:
    """The font's ascent and descent (descent negative) as fractions of the font size."""
    face = pdfmetrics.getFont(name).face
    return face.ascent / 1000, face.descent / 1000
