"""PDF rendering of paper mailings: one A4 letter per recipient, address labels on a sheet format, a test grid.

Pure functions over a binary stream: no database, no HTTP. Text uses the embedded DejaVu font (fonts.py), so
accents, Œ, € and "2ᵉ" print on any host; the output is byte-for-byte the same for the same input (reprints).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfutils import readJPEGInfo
from reportlab.pdfgen.canvas import Canvas

from services.mailings.paper.addresses import PostalAddress, is_abroad, postal_lines
from services.mailings.paper.fonts import ASCENT, BOLD, DESCENT, REGULAR, drawable, register_fonts
from services.mailings.paper.formats import PAGE_SIZES_MM, LabelFormat, geometry_errors
from services.mailings.paper.images import check_background
from services.mailings.paper.layout import ELLIPSIS, cut_to_width, fit_block, flow, printable, wrap
from services.mailings.paper.merge import MERGE_FIELDS, merge_fields

__all__ = [
    "MERGE_FIELDS",
    "Letter",
    "check_background",
    "merge_fields",
    "render_labels",
    "render_letters",
    "render_test_grid",
]

A4_WIDTH_MM, A4_HEIGHT_MM = PAGE_SIZES_MM["A4"]

# Where a French DL window envelope (110 x 220 mm, window on the right) shows the address of an A4 letter
# folded in three: La Poste's usual layout puts the window about 100-120 mm from the sheet's left edge and
# 45-60 mm from its top, about 90 x 45 mm. The block is printed inside it with a margin, so that the sheet can
# slide a few millimetres in the envelope and the address stays readable. One place to change if a customer's
# envelopes differ.
WINDOW_LEFT_MM = 110.0
WINDOW_TOP_MM = 50.0
WINDOW_WIDTH_MM = 90.0
WINDOW_HEIGHT_MM = 45.0
WINDOW_MARGIN_MM = 4.0
ADDRESS_MAX_PT, ADDRESS_MIN_PT = 10.0, 7.0

# The text starts below the window and the first fold (99 mm, a third of A4).
LETTER_MARGIN_MM = 20.0
TITLE_TOP_MM = 105.0
TITLE_PT = 13.0
TITLE_MAX_LINES = 3
TITLE_GAP_MM = 6.0
BODY_SIZES_PT = [10.5, 10.0, 9.5, 9.0, 8.5, 8.0]

LABEL_PADDING_X_MM = 3.0
LABEL_PADDING_Y_MM = 1.5
LABEL_MAX_PT, LABEL_MIN_PT = 10.0, 6.0

PROGRESS_EVERY_PAGES = 25


@dataclass(frozen=True)
class Letter:
    """One recipient's letter: the address, the title and the text, merge fields already filled in."""

    recipient: PostalAddress
    title: str
    body: str


def _canvas(out: BinaryIO, paper: str) -> Canvas:
    """A canvas writing into ``out``; invariant, so that the same input always gives the same bytes."""
    register_fonts()
    width, height = PAGE_SIZES_MM[paper]
    return Canvas(out, pagesize=(width * mm, height * mm), invariant=True, pageCompression=1)


def _address_lines(address: PostalAddress) -> list[str]:
    """The address's postal lines as the embedded font can print them."""
    return [drawable(line, REGULAR) for line in postal_lines(address)]


def _kept_last_lines(address: PostalAddress) -> int:
    """How many last lines must survive a crowded box: the locality line, and the country's when abroad."""
    return 2 if is_abroad(address) else 1


def _draw_block(
    canvas: Canvas, lines: tuple[str, ...], *, font: str, size: float, leading: float, x: float, top: float
) -> None:
    """Draw lines from ``top`` down (PDF points): each line's box is one font size high, its foot at the descent."""
    text = canvas.beginText()
    text.setFont(font, size, leading)
    text.setTextOrigin(x, top - ASCENT * size)
    for line in lines:
        text.textLine(line)
    canvas.drawText(text)


def _progress_at(pages: int, progress: Callable[[int], None] | None, *, last: bool = False) -> None:
    """Report every PROGRESS_EVERY_PAGES pages, and once at the end so that a job can show 100%."""
    if progress is not None and (pages % PROGRESS_EVERY_PAGES == 0) != last:
        progress(pages)


class _JpegAsIs:
    """A JPEG handed to reportlab to be embedded as its own bytes (DCTDecode), its pixels never decoded.

    reportlab decodes an ImageReader's pixels (26 MB for A4 at 300 dpi, more for a larger image) only to name
    the image; a source that is not an ImageReader but has ``jpeg_fh()`` is named by ``str()`` and copied from
    that file as is.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._digest = hashlib.sha256(data).hexdigest()

    def jpeg_fh(self) -> io.BytesIO:
        """The JPEG file, as reportlab reads it."""
        return io.BytesIO(self._data)

    def __str__(self) -> str:
        return f"jpeg-{self._digest}"


def _image_source(background: bytes, mime: str) -> ImageReader | _JpegAsIs:
    """What to give reportlab's drawImage: a JPEG as is when reportlab can read its header, else decoded pixels."""
    if mime == "image/jpeg" and _reportlab_reads_jpeg(background):
        return _JpegAsIs(background)
    return ImageReader(io.BytesIO(background))


def _reportlab_reads_jpeg(data: bytes) -> bool:
    try:
        readJPEGInfo(io.BytesIO(data))
    except Exception:
        return False
    return True


def _background_form(canvas: Canvas, background: bytes) -> str:
    """Define the background once as a form XObject covering A4 (aspect kept, overflow cropped); its name."""
    mime, image_width, image_height = check_background(background)
    page_width, page_height = A4_WIDTH_MM * mm, A4_HEIGHT_MM * mm
    scale = max(page_width / image_width, page_height / image_height)
    width, height = image_width * scale, image_height * scale
    canvas.beginForm("background", 0, 0, page_width, page_height)
    canvas.drawImage(
        _image_source(background, mime),
        (page_width - width) / 2,
        (page_height - height) / 2,
        width,
        height,
        mask="auto" if mime == "image/png" else None,
    )
    canvas.endForm()
    return "background"


def _draw_address(canvas: Canvas, recipient: PostalAddress) -> None:
    """The recipient's address, as large as fits, inside the window of the envelope."""
    block = fit_block(
        _address_lines(recipient),
        font=REGULAR,
        width=(WINDOW_WIDTH_MM - 2 * WINDOW_MARGIN_MM) * mm,
        height=(WINDOW_HEIGHT_MM - 2 * WINDOW_MARGIN_MM) * mm,
        max_size=ADDRESS_MAX_PT,
        min_size=ADDRESS_MIN_PT,
        keep_last=_kept_last_lines(recipient),
    )
    _draw_block(
        canvas,
        block.lines,
        font=REGULAR,
        size=block.size,
        leading=block.leading,
        x=(WINDOW_LEFT_MM + WINDOW_MARGIN_MM) * mm,
        top=(A4_HEIGHT_MM - WINDOW_TOP_MM - WINDOW_MARGIN_MM) * mm,
    )


def _draw_title(canvas: Canvas, title: str, *, top: float) -> float:
    """The title in bold from ``top``, on up to TITLE_MAX_LINES lines; where the text below it starts."""
    width = (A4_WIDTH_MM - 2 * LETTER_MARGIN_MM) * mm
    lines = [
        line
        for line in wrap(" ".join(drawable(printable(title), BOLD).split()), font=BOLD, size=TITLE_PT, width=width)
        if line
    ]
    if not lines:
        return top
    if len(lines) > TITLE_MAX_LINES:
        lines = [
            *lines[: TITLE_MAX_LINES - 1],
            cut_to_width(lines[TITLE_MAX_LINES - 1], BOLD, TITLE_PT, width, ellipsis=ELLIPSIS),
        ]
    leading = TITLE_PT * 1.25
    _draw_block(canvas, tuple(lines), font=BOLD, size=TITLE_PT, leading=leading, x=LETTER_MARGIN_MM * mm, top=top)
    return top - (len(lines) - 1) * leading - TITLE_PT - TITLE_GAP_MM * mm


def _draw_body(canvas: Canvas, body: str, *, top: float) -> None:
    """The text's paragraphs from ``top`` to the bottom margin, smaller if need be, cut with "…" past the floor."""
    size, lines = flow(
        drawable(printable(body), REGULAR),
        font=REGULAR,
        width=(A4_WIDTH_MM - 2 * LETTER_MARGIN_MM) * mm,
        height=top - LETTER_MARGIN_MM * mm,
        sizes=BODY_SIZES_PT,
    )
    canvas.setFont(REGULAR, size)
    foot = top
    for line in lines:
        foot -= line.advance
        if line.text:
            canvas.drawString(LETTER_MARGIN_MM * mm, foot + DESCENT * size, line.text)


def render_letters(
    letters: Iterable[Letter],
    out: BinaryIO,
    *,
    background: bytes | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write one A4 page per letter into ``out``; the number of pages. ValueError for a refused background."""
    canvas = _canvas(out, "A4")
    form = _background_form(canvas, background) if background else None
    pages = 0
    for letter in letters:
        if form:
            canvas.doForm(form)  # the image is stored once and referenced from every page
        _draw_address(canvas, letter.recipient)
        _draw_body(canvas, letter.body, top=_draw_title(canvas, letter.title, top=(A4_HEIGHT_MM - TITLE_TOP_MM) * mm))
        canvas.showPage()
        pages += 1
        _progress_at(pages, progress)
    if not pages:  # a PDF needs a page: nothing to print gives one blank page, not a file readers refuse
        canvas.showPage()
        pages = 1
    _progress_at(pages, progress, last=True)
    canvas.save()
    return pages


def _check_sheet(fmt: LabelFormat, skip: int) -> None:
    """ValueError when the format's geometry is broken or ``skip`` is not within the first sheet."""
    errors = geometry_errors(fmt)
    if errors:
        raise ValueError("; ".join(f"{field}: {message}" for field, message in errors))
    if not 0 <= skip < fmt.labels_per_sheet:
        raise ValueError(f"skip must be between 0 and {fmt.labels_per_sheet - 1}")


def render_labels(
    addresses: Iterable[PostalAddress],
    out: BinaryIO,
    *,
    fmt: LabelFormat,
    skip: int = 0,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the addresses on label sheets of ``fmt``, leaving the first ``skip`` labels of the first sheet empty.

    Offsets calibrate a printer: positive x moves the print right, positive y moves it down. Returns the pages.
    """
    _check_sheet(fmt, skip)
    canvas = _canvas(out, fmt.paper)
    page_height = PAGE_SIZES_MM[fmt.paper][1] * mm
    inner_width = (fmt.label_width_mm - 2 * LABEL_PADDING_X_MM) * mm
    inner_height = (fmt.label_height_mm - 2 * LABEL_PADDING_Y_MM) * mm
    per_sheet = fmt.labels_per_sheet
    origins = [fmt.label_origin_mm(index) for index in range(per_sheet)]
    slot, pages = skip, 0
    for address in addresses:
        x_mm, y_mm = origins[slot]
        block = fit_block(
            _address_lines(address),
            font=REGULAR,
            width=inner_width,
            height=inner_height,
            max_size=LABEL_MAX_PT,
            min_size=LABEL_MIN_PT,
            keep_last=_kept_last_lines(address),
        )
        label_top = page_height - (y_mm + offset_y_mm) * mm
        # Centred vertically in the label, whatever the number of lines.
        top = label_top - (fmt.label_height_mm * mm - block.height) / 2
        _draw_block(
            canvas,
            block.lines,
            font=REGULAR,
            size=block.size,
            leading=block.leading,
            x=(x_mm + offset_x_mm + LABEL_PADDING_X_MM) * mm,
            top=top,
        )
        slot += 1
        if slot == per_sheet:
            canvas.showPage()
            pages += 1
            slot = 0
            _progress_at(pages, progress)
    if slot or not pages:  # the last, partly filled sheet; or a blank page when there was nothing to print
        canvas.showPage()
        pages += 1
    _progress_at(pages, progress, last=True)
    canvas.save()
    return pages


def render_test_grid(out: BinaryIO, *, fmt: LabelFormat, offset_x_mm: float = 0.0, offset_y_mm: float = 0.0) -> int:
    """One page with each label's outline and number, printed with the offsets, to check a printer's alignment."""
    _check_sheet(fmt, 0)
    canvas = _canvas(out, fmt.paper)
    page_height = PAGE_SIZES_MM[fmt.paper][1] * mm
    canvas.setLineWidth(0.3)
    for index in range(fmt.labels_per_sheet):
        x_mm, y_mm = fmt.label_origin_mm(index)
        x, y = (x_mm + offset_x_mm) * mm, page_height - (y_mm + offset_y_mm + fmt.label_height_mm) * mm
        width, height = fmt.label_width_mm * mm, fmt.label_height_mm * mm
        if fmt.corner_radius_mm:
            canvas.roundRect(x, y, width, height, fmt.corner_radius_mm * mm)
        else:
            canvas.rect(x, y, width, height)
        size = min(LABEL_MAX_PT, height / 3)
        canvas.setFont(BOLD, size)
        canvas.drawCentredString(x + width / 2, y + height / 2 - (ASCENT - DESCENT) / 2 * size, str(index + 1))
        small = min(6.0, height / 6)
        canvas.setFont(REGULAR, small)
        caption = f"{fmt.code} {fmt.label_width_mm:g} x {fmt.label_height_mm:g} mm"
        canvas.drawString(x + 1 * mm, y + 1 * mm, cut_to_width(caption, REGULAR, small, width - 2 * mm))
    canvas.showPage()
    canvas.save()
    return 1
