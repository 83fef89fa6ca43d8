"""The PDF of a document: one A4 layout for every kind, with the mentions French law asks for.

Pure function from a checked Document to bytes. The output depends on the document alone (reportlab's invariant
mode, the creation date taken from the issue date): an issued invoice is stored with its hash, and printing it
again gives the same bytes. Text uses the embedded Vera faces (fonts.py), never a standard PDF font, so that the
file can be made PDF/A (facturx.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from services.orders.documents import formatting as fr
from services.orders.documents.drawing import (
    BODY_BOTTOM,
    CONTENT_WIDTH,
    GAP,
    GREY,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    ROW_PT,
    RULE,
    SMALL_PT,
    TEXT_PT,
    TITLE_PT,
    right,
    text,
    wrap,
)
from services.orders.documents.fonts import BOLD, REGULAR, register_fonts
from services.orders.documents.model import Document, DocumentKind, Line
from services.orders.documents.summary import EndBlock

FIRST_BODY_TOP = PAGE_HEIGHT - 104 * mm
NEXT_BODY_TOP = PAGE_HEIGHT - 34 * mm
LOGO_BOX = (50 * mm, 22 * mm)
# The buyer's block sits where a DL window envelope shows it (as the paper mailings do): 110 mm from the left.
BUYER_LEFT = 110 * mm
BUYER_TOP = PAGE_HEIGHT - 50 * mm

ROW_LEADING = 10.5
ROW_PADDING = 3.0
HEADER_ROW = 16.0

TITLES = {
    DocumentKind.QUOTE: "DEVIS",
    DocumentKind.PROFORMA: "FACTURE PRO FORMA",
    DocumentKind.INVOICE: "FACTURE",
    DocumentKind.CREDIT_NOTE: "AVOIR",
    DocumentKind.DELIVERY_NOTE: "BON DE LIVRAISON",
}


@dataclass(frozen=True)
class Column:
    """A column of the lines table: its title, width in points, alignment and cell text."""

    title: str
    width: float
    right: bool
    cell: Callable[[Line], str]


@dataclass(frozen=True)
class Row:
    """A line as laid out: its description wrapped to the column, the other cells, its height."""

    description: tuple[str, ...]
    cells: tuple[str, ...]
    height: float


def columns(document: Document) -> list[Column]:
    """The lines table's columns: quantities only on a delivery note, prices and VAT otherwise."""
    tail = [
        Column("Qté", 16 * mm, True, lambda line: fr.quantity(line.quantity)),
        Column("Unité", 20 * mm, False, lambda line: line.unit),
    ]
    if document.kind is not DocumentKind.DELIVERY_NOTE:
        tail += [
            Column("P.U. HT", 23 * mm, True, lambda line: fr.euros(line.unit_price_excl_tax_cents)),
            Column("TVA", 14 * mm, True, lambda line: fr.rate(line.vat_rate)),
        ]
        if document.excise_rows:
            tail.append(Column("Accises", 20 * mm, True, lambda line: fr.euros(line.excise_cents)))
        tail.append(Column("Montant HT", 25 * mm, True, lambda line: fr.euros(line.amount_excl_tax_cents)))
    rest = CONTENT_WIDTH - sum(c.width for c in tail)
    return [Column("Désignation", rest, False, lambda line: line.description), *tail]


def rows(document: Document, table: list[Column]) -> list[Row]:
    """Every line laid out for the table."""
    room = table[0].width - 4
    result = []
    for line in document.lines:
        wrapped = tuple(wrap(line.description, REGULAR, ROW_PT, room))
        cells = tuple(column.cell(line) for column in table[1:])
        result.append(Row(wrapped, cells, len(wrapped) * ROW_LEADING + ROW_PADDING))
    return result


def paginate(laid: list[Row], end_height: float) -> list[list[Row]]:
    """The rows of each page; the totals and mentions follow the last row, on a new page when they would not fit."""
    pages: list[list[Row]] = [[]]
    y = FIRST_BODY_TOP - HEADER_ROW
    for row in laid:
        if y - row.height < BODY_BOTTOM and pages[-1]:
            pages.append([])
            y = NEXT_BODY_TOP - HEADER_ROW
        pages[-1].append(row)
        y -= row.height
    if y - GAP - end_height < BODY_BOTTOM:
        pages.append([])
    return pages


def _seller_block(canvas: Canvas, document: Document) -> None:
    seller = document.seller
    top = PAGE_HEIGHT - MARGIN
    if seller.logo:
        logo = ImageReader(io.BytesIO(seller.logo))
        image_width, image_height = logo.getSize()
        scale = min(LOGO_BOX[0] / image_width, LOGO_BOX[1] / image_height)
        top -= image_height * scale
        canvas.drawImage(logo, MARGIN, top, image_width * scale, image_height * scale, mask="auto")
        top -= 4 * mm
    y = top - 11
    text(canvas, MARGIN, y, seller.name, font=BOLD, size=11)
    lines = [*seller.address_lines, f"{seller.postal_code} {seller.city}"]
    if seller.country_code != "FR":
        lines.append(seller.country_code)
    lines += [contact for contact in (seller.phone and f"Tél. {seller.phone}", seller.email) if contact]
    for line in lines:
        y -= 11
        text(canvas, MARGIN, y, line)


def _title_block(canvas: Canvas, document: Document) -> None:
    edge = PAGE_WIDTH - MARGIN
    y = PAGE_HEIGHT - MARGIN - TITLE_PT
    right(canvas, edge, y, TITLES[document.kind], font=BOLD, size=TITLE_PT)
    facts = [(f"N° {document.number}", BOLD), (f"Date : {fr.day(document.issue_date)}", REGULAR)]
    if document.due_date:
        facts.append((f"Échéance : {fr.day(document.due_date)}", BOLD))
    if document.validity_date:
        facts.append((f"Valable jusqu'au : {fr.day(document.validity_date)}", REGULAR))
    if document.delivery_date:
        facts.append((f"Livraison : {fr.day(document.delivery_date)}", REGULAR))
    if document.order_number:
        facts.append((f"Commande : {document.order_number}", REGULAR))
    for fact, font in facts:
        y -= 12
        right(canvas, edge, y, fact, font=font)


def _buyer_block(canvas: Canvas, document: Document) -> None:
    buyer = document.buyer
    y = BUYER_TOP
    text(canvas, BUYER_LEFT, y, "Client", size=SMALL_PT)
    room = PAGE_WIDTH - MARGIN - BUYER_LEFT
    name = buyer.name if not buyer.legal_form else f"{buyer.name} ({buyer.legal_form})"
    lines = [(line, BOLD) for line in wrap(name, BOLD, 10, room)]
    lines += [(line, REGULAR) for line in (*buyer.address_lines, f"{buyer.postal_code} {buyer.city}")]
    if buyer.country_code != "FR":
        lines.append((buyer.country_code, REGULAR))
    if buyer.siren and not buyer.siret:
        lines.append((f"SIREN : {fr.siren(buyer.siren)}", REGULAR))
    if buyer.siret:
        lines.append((f"SIRET : {fr.siret(buyer.siret)}", REGULAR))
    if buyer.vat_number:
        lines.append((f"N° TVA : {buyer.vat_number}", REGULAR))
    for line, font in lines:
        y -= 12
        text(canvas, BUYER_LEFT, y, line, font=font, size=10 if font is BOLD else TEXT_PT)


def legal_lines(document: Document) -> list[str]:
    """The seller's identity as the footer prints it: form and capital, RCS, SIRET, VAT number, IBAN."""
    seller = document.seller
    form = seller.legal_form
    if seller.share_capital_cents is not None:
        form = f"{form} au capital de {fr.euros(seller.share_capital_cents)}"
    identity = [f"{seller.name} – {form}" if form else seller.name]
    if seller.rcs_city and seller.rcs_number:
        identity.append(f"RCS {seller.rcs_city} {seller.rcs_number}")
    numbers = []
    if seller.siret:
        numbers.append(f"SIRET {fr.siret(seller.siret)}")
    elif seller.siren:
        numbers.append(f"SIREN {fr.siren(seller.siren)}")
    if seller.vat_number:
        numbers.append(f"N° TVA {seller.vat_number}")
    if seller.iban and document.kind is not DocumentKind.DELIVERY_NOTE:
        numbers.append(f"IBAN {seller.iban}")
    room = CONTENT_WIDTH - 25 * mm
    return [line for parts in (identity, numbers) if parts for line in wrap(" – ".join(parts), REGULAR, SMALL_PT, room)]


def _footer(canvas: Canvas, footer: list[str], page: int, pages: int) -> None:
    canvas.setStrokeColorRGB(*RULE)
    canvas.line(MARGIN, BODY_BOTTOM - 4 * mm, PAGE_WIDTH - MARGIN, BODY_BOTTOM - 4 * mm)
    y = BODY_BOTTOM - 4 * mm - 9
    for line in footer:
        text(canvas, MARGIN, y, line, size=SMALL_PT)
        y -= 9
    right(canvas, PAGE_WIDTH - MARGIN, BODY_BOTTOM - 4 * mm - 9, f"Page {page} / {pages}", size=SMALL_PT)


def _table_header(canvas: Canvas, table: list[Column], top: float) -> float:
    canvas.setFillColorRGB(*GREY)
    canvas.rect(MARGIN, top - HEADER_ROW, CONTENT_WIDTH, HEADER_ROW, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    x = MARGIN
    for column in table:
        if column.right:
            right(canvas, x + column.width - 2, top - 11, column.title, font=BOLD, size=ROW_PT)
        else:
            text(canvas, x + 2, top - 11, column.title, font=BOLD, size=ROW_PT)
        x += column.width
    return top - HEADER_ROW


def _row(canvas: Canvas, table: list[Column], row: Row, top: float) -> float:
    first = top - ROW_LEADING + 1
    for index, line in enumerate(row.description):
        text(canvas, MARGIN + 2, first - index * ROW_LEADING, line, size=ROW_PT)
    x = MARGIN + table[0].width
    for column, cell in zip(table[1:], row.cells, strict=True):
        if column.right:
            right(canvas, x + column.width - 2, first, cell, size=ROW_PT)
        else:
            text(canvas, x + 2, first, cell, size=ROW_PT)
        x += column.width
    bottom = top - row.height
    canvas.setStrokeColorRGB(*GREY)
    canvas.line(MARGIN, bottom, PAGE_WIDTH - MARGIN, bottom)
    return bottom


def _draw_page(canvas: Canvas, document: Document, table: list[Column], page_rows: list[Row], *, first: bool) -> float:
    """The page's header and rows; where the rows end."""
    if first:
        _seller_block(canvas, document)
        _title_block(canvas, document)
        _buyer_block(canvas, document)
        top = FIRST_BODY_TOP
    else:
        text(canvas, MARGIN, PAGE_HEIGHT - MARGIN - 10, document.seller.name, font=BOLD, size=10)
        title = f"{TITLES[document.kind]} N° {document.number}"
        right(canvas, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN - 10, title, font=BOLD, size=10)
        top = NEXT_BODY_TOP
    if page_rows:
        top = _table_header(canvas, table, top)
        for row in page_rows:
            top = _row(canvas, table, row, top)
    return top


def render_pdf(document: Document) -> bytes:
    """The document's PDF, the same bytes every time for the same document."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True, pageCompression=1, initialFontName=REGULAR, lang="fr-FR")
    stamp = document.issue_date.strftime("D:%Y%m%d000000+00'00'")
    canvas.setDateFormatter(lambda *_: stamp)
    title = f"{TITLES[document.kind].capitalize()} {document.number}"
    canvas.setTitle(title)
    canvas.setAuthor(document.seller.name)
    canvas.setSubject(f"{title} – {document.buyer.name}")
    canvas.setCreator("Négoce")
    table = columns(document)
    end = EndBlock(document)
    pages = paginate(rows(document, table), end.height)
    footer = legal_lines(document)
    for number, page_rows in enumerate(pages, start=1):
        bottom = _draw_page(canvas, document, table, page_rows, first=number == 1)
        if number == len(pages):
            end.draw(canvas, bottom - GAP)
        _footer(canvas, footer, number, len(pages))
        canvas.showPage()
    canvas.save()
    return out.getvalue()
