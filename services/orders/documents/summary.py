"""What follows the last row: the VAT per rate, the totals before and with tax, then the legal mentions."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from services.orders.documents import formatting as fr
from services.orders.documents.drawing import CONTENT_WIDTH, GAP, GREY, MARGIN, PAGE_WIDTH, TEXT_PT, right, text, wrap
from services.orders.documents.fonts import BOLD, REGULAR
from services.orders.documents.model import Document, DocumentKind

RECOVERY_INDEMNITY = "Indemnité forfaitaire pour frais de recouvrement : 40 €"
EXCISE_INCLUDED = "dont droits d'accises"
VAT_TABLE_WIDTH = 88 * mm
VAT_COLUMNS = (("Taux TVA", 22 * mm), ("Base HT", 33 * mm), ("Montant TVA", 33 * mm))
TOTALS_WIDTH = 72 * mm
TABLE_HEADER = 14.0
ROW = 13.0
MENTION_LEADING = 11.0


def mentions(document: Document) -> list[str]:
    """The document's mentions in print order, each a paragraph."""
    paragraphs = []
    if document.kind is DocumentKind.CREDIT_NOTE and document.credited_invoice_date:
        paragraphs.append(
            f"Avoir sur la facture N° {document.credited_invoice_number} du {fr.day(document.credited_invoice_date)}."
        )
    if document.kind is DocumentKind.QUOTE and document.validity_date:
        paragraphs.append(
            f"Devis valable jusqu'au {fr.day(document.validity_date)}. Bon pour accord, date et signature :"
        )
    if document.totals and document.totals.prices_include_tax:
        paragraphs.append("Prix unitaires hors taxes établis à partir d'un tarif toutes taxes comprises.")
    if document.vat_exemption:
        paragraphs.append(document.vat_exemption)
    if document.payment_terms:
        paragraphs.append(f"Conditions de paiement : {document.payment_terms}")
    if document.late_penalty_rate:
        paragraphs.append(f"Pénalités de retard : {document.late_penalty_rate}")
    if document.recovery_indemnity:
        paragraphs.append(RECOVERY_INDEMNITY)
    paragraphs.extend(document.notes)
    if document.kind is DocumentKind.DELIVERY_NOTE:
        paragraphs.append("Marchandise reçue le : ____________    Nom et signature :")
    return paragraphs


class EndBlock:
    """The VAT table (left), the totals (right) and the mentions below, laid out before the pages are cut."""

    def __init__(self, document: Document) -> None:
        self.vat_rows: list[tuple[str, str, str]] = []
        self.totals: list[tuple[str, str, str]] = []
        totals = document.totals
        if totals is not None:
            self.vat_rows = [(fr.rate(v.rate), fr.euros(v.base_cents), fr.euros(v.amount_cents)) for v in totals.vat]
            self.totals.append(("Total HT", fr.euros(totals.excl_tax_cents), BOLD))
            if totals.excise_cents:
                self.totals.append((EXCISE_INCLUDED, fr.euros(totals.excise_cents), REGULAR))
            self.totals.append(("Total TVA", fr.euros(totals.vat_cents), REGULAR))
            self.totals.append(("Total TTC", fr.euros(totals.incl_tax_cents), BOLD))
        self.lines = [
            line for paragraph in mentions(document) for line in wrap(paragraph, REGULAR, TEXT_PT, CONTENT_WIDTH)
        ]
        figures = max(TABLE_HEADER + ROW * len(self.vat_rows) if self.vat_rows else 0, ROW * len(self.totals))
        self.figures_height = figures + (GAP if figures else 0)
        self.height = self.figures_height + MENTION_LEADING * len(self.lines)

    def draw(self, canvas: Canvas, top: float) -> None:
        """Draw the block from ``top`` down."""
        if self.vat_rows:
            self._vat_table(canvas, top)
        edge = PAGE_WIDTH - MARGIN
        y = top
        for label, amount, font in self.totals:
            y -= ROW
            text(canvas, edge - TOTALS_WIDTH, y + 3, label, font=font)
            right(canvas, edge, y + 3, amount, font=font)
        y = top - self.figures_height
        for line in self.lines:
            y -= MENTION_LEADING
            text(canvas, MARGIN, y + 2, line)

    def _vat_table(self, canvas: Canvas, top: float) -> None:
        canvas.setFillColorRGB(*GREY)
        canvas.rect(MARGIN, top - TABLE_HEADER, VAT_TABLE_WIDTH, TABLE_HEADER, stroke=0, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        x = MARGIN
        for title, column_width in VAT_COLUMNS:
            right(canvas, x + column_width - 2, top - 10, title, font=BOLD, size=8)
            x += column_width
        y = top - TABLE_HEADER
        for cells in self.vat_rows:
            y -= ROW
            x = MARGIN
            for cell, (_, column_width) in zip(cells, VAT_COLUMNS, strict=True):
                right(canvas, x + column_width - 2, y + 3, cell)
                x += column_width
