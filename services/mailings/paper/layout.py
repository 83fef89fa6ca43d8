"""Text fitting for fixed boxes: a font size for a block of lines, cutting lines to a width, wrapping paragraphs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth

ELLIPSIS = "…"
# A size computed to make a line exactly as wide as its box measures a hair wider in floating point.
SLACK_PT = 1e-6
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def printable(text: str) -> str:
    """The text without control characters (line breaks and tabs kept) nor lone surrogates, which print as junk."""
    return "".join(ch for ch in text if ch in "\n\r\t" or unicodedata.category(ch) not in ("Cc", "Cs"))


@dataclass(frozen=True)
class Block:
    """Lines set at one size: ``leading`` between baselines; ``height`` from the first line's top to the last's foot."""

    lines: tuple[str, ...]
    size: float
    leading: float

    @property
    def height(self) -> float:
        """The block's height in points (one font size per line box, leading between them)."""
        return (len(self.lines) - 1) * self.leading + self.size if self.lines else 0.0


def cut_to_width(text: str, font: str, size: float, width: float, *, ellipsis: str = "") -> str:
    """``text`` if it fits ``width`` points, else its longest prefix that fits with ``ellipsis`` after it."""
    width += SLACK_PT
    if not ellipsis and stringWidth(text, font, size) <= width:
        return text
    if stringWidth(text + ellipsis, font, size) <= width:
        return text + ellipsis
    low, high = 0, len(text)
    while low < high:  # binary search: a width is additive over characters (reportlab does no kerning)
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle].rstrip() + ellipsis, font, size) <= width:
            low = middle
        else:
            high = middle - 1
    cut = text[:low].rstrip() + ellipsis
    return cut if stringWidth(cut, font, size) <= width else ""


def fit_block(
    lines: list[str],
    *,
    font: str,
    width: float,
    height: float,
    max_size: float,
    min_size: float,
    line_gap: float = 1.15,
    keep_last: int = 1,
) -> Block:
    """The largest size (``min_size`` to ``max_size``) at which ``lines`` fit the box; past the floor, lines go.

    When the lines are too many even at ``min_size``, lines are dropped from the middle: the first one (the
    name) and the ``keep_last`` last ones (the city, the country) stay; if those still do not fit, the size
    goes below the floor rather than past the box. Lines still too wide are cut.
    """
    lines = list(lines)
    if not lines:
        return Block((), max_size, max_size * line_gap)
    widest = max(stringWidth(line, font, 1.0) for line in lines)
    size = min(max_size, height / ((len(lines) - 1) * line_gap + 1))
    if widest * size > width:
        size = width / widest
    size = max(min_size, size)

    def too_high(count: int, at: float) -> bool:
        return (count - 1) * line_gap * at + at > height

    while too_high(len(lines), size) and len(lines) > keep_last + 1:
        del lines[len(lines) - keep_last - 1]
    if too_high(len(lines), size):  # a box too low for its few lines even at the floor: go below it
        size = height / ((len(lines) - 1) * line_gap + 1)
    return Block(tuple(cut_to_width(line, font, size, width) for line in lines), size, size * line_gap)


def wrap(text: str, *, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines of at most ``width`` points at word boundaries; over-long words are split."""
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    for hard_line in text.split("\n"):
        current: list[str] = []
        current_width = 0.0
        for word in hard_line.split():
            word_width = stringWidth(word, font, size)
            while word_width > width:  # a URL or a long reference: cut it where the line ends
                room = width - current_width - (space if current else 0)
                head = cut_to_width(word, font, size, room) if room > 0 else ""
                if not head:
                    if current:
                        lines.append(" ".join(current))
                        current, current_width = [], 0.0
                        continue
                    head = word[0]
                current.append(head)
                lines.append(" ".join(current))
                current, current_width = [], 0.0
                word = word[len(head) :]
                word_width = stringWidth(word, font, size)
            if not word:
                continue
            extra = word_width + (space if current else 0)
            if current and current_width + extra > width:
                lines.append(" ".join(current))
                current, current_width = [word], word_width
            else:
                current.append(word)
                current_width += extra
        lines.append(" ".join(current))
    return lines


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs: separated by blank lines; single line breaks stay inside (a signature, a list)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return [part.strip("\n") for part in _PARAGRAPH_BREAK.split(text) if part.strip()]


@dataclass(frozen=True)
class FlowedLine:
    """One line of flowed text and the vertical room taken before it (a paragraph gap or the leading)."""

    text: str
    advance: float


def flow(
    text: str,
    *,
    font: str,
    width: float,
    height: float,
    sizes: list[float],
    line_gap: float = 1.35,
    paragraph_gap: float = 0.6,
) -> tuple[float, list[FlowedLine]]:
    """Paragraphs wrapped at the first size of ``sizes`` at which they fit ``height``; at the last, cut with "…".

    The first line's advance is its font size (from the top of the box to its foot); then one leading per line
    and an extra fraction of a leading before each paragraph.
    """
    parts = paragraphs(text)
    size = sizes[-1]
    laid: list[FlowedLine] = []
    for size in sizes:
        leading = size * line_gap
        laid = []
        for index, paragraph in enumerate(parts):
            for number, wrapped in enumerate(wrap(paragraph, font=font, size=size, width=width)):
                advance = size if not laid else leading + (leading * paragraph_gap if number == 0 and index else 0.0)
                laid.append(FlowedLine(wrapped, advance))
        if sum(line.advance for line in laid) <= height:
            return size, laid
    kept: list[FlowedLine] = []
    used = 0.0
    for line in laid:
        if used + line.advance > height:
            break
        kept.append(line)
        used += line.advance
    if kept:
        last = kept[-1]
        kept[-1] = FlowedLine(cut_to_width(last.text, font, size, width, ellipsis=ELLIPSIS), last.advance)
    return size, kept
