"""Legal documents rendered to PDF and Factur-X, read back: mentions, amounts, VAT per rate, pages, PDF/A, the XML.

Pure: no database, no broker. The PDFs are read with pdfplumber (text) and pypdf (structure), the embedded XML
with factur-x and checked against the standard's XSD.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from dataclasses import replace
from decimal import Decimal
from typing import Any

import facturx
import pdfplumber
import pytest
from lxml import etree
from PIL import Image
from pypdf import PdfReader
from stdnum import luhn

from services.orders.documents import formatting as fr
from services.orders.documents.facturx import render_facturx
from services.orders.documents.model import (
    Buyer,
    Document,
    DocumentKind,
    InvalidDocument,
    Line,
    Seller,
    Totals,
    VatBreakdown,
)
from services.orders.documents.pdf import render_pdf

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def siren(prefix: str) -> str:
    """A valid SIREN (Luhn) from eight digits."""
    return prefix + luhn.calc_check_digit(prefix)


def siret(of: str, establishment: str = "0001") -> str:
    """A valid SIRET of a SIREN."""
    return of + establishment + luhn.calc_check_digit(of + establishment)


def vat(of: str) -> str:
    """The French intra-EU VAT number of a SIREN (its key is 12 + 3 x (SIREN mod 97), mod 97)."""
    return f"FR{(12 + 3 * (int(of) % 97)) % 97:02d}{of}"


SELLER_SIREN, BUYER_SIREN = siren("73282932"), siren("40483304")
SELLER = Seller(
    "Domaine des Chartrons",
    "SAS",
    ("12 quai des Chartrons",),
    "33000",
    "Bordeaux",
    siren=SELLER_SIREN,
    siret=siret(SELLER_SIREN),
    vat_number=vat(SELLER_SIREN),
    rcs_city="Bordeaux",
    rcs_number=fr.siren(SELLER_SIREN),
    share_capital_cents=1_000_000,
    email="contact@chartrons.example",
    iban="FR76 3000 6000 0112 3456 7890 189",
)
BUSINESS = Buyer(
    "Cave Saint-Émilion",
    ("3 place de l'Église",),
    "33330",
    "Saint-Émilion",
    is_business=True,
    legal_form="SARL",
    siren=BUYER_SIREN,
    siret=siret(BUYER_SIREN, "0002"),
    vat_number=vat(BUYER_SIREN),
)
PRIVATE = Buyer("Mme Hélène Œuvray", ("8 rue de la Paix",), "75002", "Paris")
ISSUED = dt.date(2026, 3, 9)


def line(description: str, quantity: str, unit_cents: int, rate: str, excise_cents: int = 0) -> Line:
    """A line whose amount is the quantity times the unit price, rounded half up to the cent."""
    amount = (Decimal(quantity) * unit_cents).quantize(Decimal(1), rounding="ROUND_HALF_UP")
    return Line(description, Decimal(quantity), "bouteille", unit_cents, Decimal(rate), int(amount), excise_cents)


def totals_of(lines: tuple[Line, ...], *, include_tax: bool = False) -> Totals:
    """The totals the lines add up to, VAT rounded half up per rate."""
    rows = []
    for rate in sorted({item.vat_rate for item in lines}, reverse=True):
        base = sum(item.amount_excl_tax_cents + item.excise_cents for item in lines if item.vat_rate == rate)
        rows.append(VatBreakdown(rate, base, int((base * rate / 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))))
    excl = sum(row.base_cents for row in rows)
    excise = sum(item.excise_cents for item in lines)
    return Totals(excl, tuple(rows), excise, excl + sum(row.amount_cents for row in rows), include_tax)


LINES = (
    line("Château Œuvray 2019, rouge, 75 cl", "120", 1250, "20", excise_cents=4_68),
    line("Crémant de Bordeaux brut, 75 cl", "36", 899, "20", excise_cents=1_40),
    line("Jus de raisin du domaine, 1 l", "24", 450, "5.5"),
)


def invoice(**changes: object) -> Document:
    """A business invoice with excise and two VAT rates; ``changes`` replace its fields."""
    fields: dict[str, object] = {
        "kind": DocumentKind.INVOICE,
        "number": "F-2026-00042",
        "issue_date": ISSUED,
        "seller": SELLER,
        "buyer": BUSINESS,
        "lines": LINES,
        "totals": totals_of(LINES),
        "due_date": dt.date(2026, 4, 8),
        "delivery_date": dt.date(2026, 3, 6),
        "order_number": "C-2026-00017",
        "payment_terms": "30 jours fin de mois, par virement ; pas d'escompte pour paiement anticipé",
        "late_penalty_rate": "3 fois le taux d'intérêt légal",
        "recovery_indemnity": True,
    }
    fields.update(changes)
    return Document(**fields)  # type: ignore[arg-type]


def pages_text(data: bytes) -> list[str]:
    """Each page's text."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() for page in pdf.pages]


def embedded_xml(data: bytes) -> etree._Element:
    """The Factur-X XML inside the PDF, checked against the standard's XSD (EN 16931)."""
    name, xml = facturx.get_xml_from_pdf(data, check_xsd=False)
    assert name == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    return etree.fromstring(xml)


def xml_amount(root: etree._Element, path: str) -> int:
    """The cents of one amount of the XML."""
    (value,) = root.xpath(path, namespaces=NS)
    return int(Decimal(value.text) * 100)


def test_french_amounts() -> None:
    assert fr.euros(123456) == "1 234,56 €"
    assert fr.euros(123456789) == "1 234 567,89 €"
    assert fr.euros(5) == "0,05 €"
    assert fr.euros(-100) == "-1,00 €"
    assert fr.quantity(Decimal("1500.000")) == "1 500"
    assert fr.quantity(Decimal("0.375")) == "0,375"
    assert fr.rate(Decimal("5.50")) == "5,5 %"


def test_invoice_prints_the_legal_mentions() -> None:
    (text,) = pages_text(render_pdf(invoice()))
    for mention in (
        "FACTURE",
        "N° F-2026-00042",
        "Date : 09/03/2026",
        "Échéance : 08/04/2026",
        "Livraison : 06/03/2026",
        "Commande : C-2026-00017",
        "Domaine des Chartrons",
        "12 quai des Chartrons",
        "33000 Bordeaux",
        "SAS au capital de 10 000,00 €",
        f"RCS Bordeaux {fr.siren(SELLER_SIREN)}",
        f"SIRET {fr.siret(SELLER.siret or '')}",
        f"N° TVA {SELLER.vat_number}",
        "Cave Saint-Émilion (SARL)",
        "33330 Saint-Émilion",
        f"SIRET : {fr.siret(BUSINESS.siret or '')}",
        f"N° TVA : {BUSINESS.vat_number}",
        "Conditions de paiement : 30 jours fin de mois",
        "Pénalités de retard : 3 fois le taux d'intérêt légal",
        "Indemnité forfaitaire pour frais de recouvrement : 40 €",
    ):
        assert mention in " ".join(text.split()), mention


def test_amounts_vat_per_rate_and_excise() -> None:
    document = invoice()
    totals = document.totals
    assert totals is not None
    (text,) = pages_text(render_pdf(document))
    # 120 x 12,50 = 1 500,00 with 4,68 € excise; 36 x 8,99 = 323,64 with 1,40 €; 24 x 4,50 = 108,00 at 5,5 %.
    assert "Château Œuvray 2019, rouge, 75 cl 120 bouteille 12,50 € 20 % 4,68 € 1 500,00 €" in text
    assert "Jus de raisin du domaine, 1 l 24 bouteille 4,50 € 5,5 % 0,00 € 108,00 €" in text
    assert "20 % 1 829,72 € 365,94 €" in text  # 1 500,00 + 323,64 + 4,68 + 1,40; x 20 % = 365,944
    assert "5,5 % 108,00 € 5,94 €" in text
    assert "Total HT 1 937,72 €" in text
    assert "dont droits d'accises 6,08 €" in text
    assert "Total TVA 371,88 €" in text
    assert "Total TTC 2 309,60 €" in text
    assert totals.incl_tax_cents == 2_309_60


def test_private_buyer_has_no_recovery_indemnity() -> None:
    document = invoice(buyer=PRIVATE, recovery_indemnity=False, late_penalty_rate=None)
    (text,) = pages_text(render_pdf(document))
    assert "Mme Hélène Œuvray" in text
    assert "Indemnité forfaitaire" not in text
    assert "Pénalités de retard" not in text
    assert "SIRET :" not in text and "N° TVA :" not in text


def test_exemption_mention_on_the_pdf_and_in_the_xml() -> None:
    lines = (line("Château Œuvray 2019, rouge, 75 cl", "60", 1250, "0"),)
    german = replace(BUSINESS, country_code="DE", siren=None, siret=None, vat_number="DE136695976")
    mention = "Exonération de TVA, article 262 ter I du CGI (livraison intracommunautaire)"
    document = invoice(buyer=german, lines=lines, totals=totals_of(lines), vat_exemption=mention)
    (text,) = pages_text(render_pdf(document))
    assert mention in " ".join(text.split())
    assert "0 % 750,00 € 0,00 €" in text
    root = embedded_xml(render_facturx(document))
    (tax,) = root.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS)
    assert tax.findtext("ram:CategoryCode", namespaces=NS) == "E"
    assert tax.findtext("ram:ExemptionReason", namespaces=NS) == mention


@pytest.mark.parametrize(
    ("kind", "title", "extra"),
    [
        (DocumentKind.QUOTE, "DEVIS", {"validity_date": dt.date(2026, 4, 9), "due_date": None}),
        (DocumentKind.PROFORMA, "FACTURE PRO FORMA", {}),
        (DocumentKind.INVOICE, "FACTURE", {}),
        (
            DocumentKind.CREDIT_NOTE,
            "AVOIR",
            {"credited_invoice_number": "F-2026-00040", "credited_invoice_date": dt.date(2026, 3, 2)},
        ),
        (DocumentKind.DELIVERY_NOTE, "BON DE LIVRAISON", {"totals": None, "due_date": None}),
    ],
)
def test_each_kind_has_its_title(kind: DocumentKind, title: str, extra: dict[str, object]) -> None:
    (text,) = pages_text(render_pdf(invoice(kind=kind, **extra)))
    assert text.splitlines()[0].endswith(title)
    if kind is DocumentKind.DELIVERY_NOTE:
        assert "Total TTC" not in text and "P.U. HT" not in text and "12,50 €" not in text
        assert "Château Œuvray 2019, rouge, 75 cl 120 bouteille" in text
    else:
        assert "Total TTC 2 309,60 €" in text
    if kind is DocumentKind.CREDIT_NOTE:
        assert "Avoir sur la facture N° F-2026-00040 du 02/03/2026." in text
    if kind is DocumentKind.QUOTE:
        assert "Valable jusqu'au : 09/04/2026" in text


def test_a_long_invoice_paginates_with_the_totals_on_the_last_page() -> None:
    lines = tuple(line(f"Cuvée n° {n:03d}, millésime {2000 + n % 25}, 75 cl", "6", 1000 + n, "20") for n in range(200))
    texts = pages_text(render_pdf(invoice(lines=lines, totals=totals_of(lines))))
    pages = len(texts)
    assert pages >= 4
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} / {pages}" in text
        assert ("Total TTC" in text) == (number == pages)
        if number < pages:
            assert "Désignation Qté Unité P.U. HT TVA Montant HT" in text
    everything = "\n".join(texts)
    for n in range(200):
        assert everything.count(f"Cuvée n° {n:03d},") == 1
    assert "Indemnité forfaitaire pour frais de recouvrement : 40 €" in texts[-1]


def test_the_same_document_gives_the_same_bytes() -> None:
    document = invoice()
    first_pdf, first_facturx = render_pdf(document), render_facturx(document)
    time.sleep(1.1)  # factur-x reads the clock to the second: a second later, its stamps would differ
    assert render_pdf(invoice()) == first_pdf
    assert render_facturx(invoice()) == first_facturx
    assert render_pdf(invoice(number="F-2026-00043")) != first_pdf


def test_the_facturx_xml_agrees_with_the_pdf() -> None:
    document = invoice()
    data = render_facturx(document)
    root = embedded_xml(data)
    (text,) = pages_text(data)
    settlement = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    printed = {
        label: int(re.sub(r"[^\d]", "", match.group(1)))
        for label, match in (
            (label, re.search(rf"{label} ([\d ]+,\d\d) €", text)) for label in ("Total HT", "Total TVA", "Total TTC")
        )
        if match
    }
    assert xml_amount(root, settlement + "TaxBasisTotalAmount") == printed["Total HT"]
    assert xml_amount(root, settlement + "TaxTotalAmount") == printed["Total TVA"]
    assert xml_amount(root, settlement + "GrandTotalAmount") == printed["Total TTC"]
    assert xml_amount(root, settlement + "DuePayableAmount") == printed["Total TTC"]
    assert xml_amount(root, settlement + "ChargeTotalAmount") == 6_08  # the excise, as document-level charges
    assert xml_amount(root, settlement + "LineTotalAmount") == 1_500_00 + 323_64 + 108_00
    taxes = root.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS)
    assert [(t.findtext("ram:RateApplicablePercent", namespaces=NS), t.findtext("ram:CategoryCode", namespaces=NS))
            for t in taxes] == [("20", "S"), ("5.5", "S")]  # fmt: skip
    assert [xml_amount(t, "ram:CalculatedAmount") for t in taxes] == [365_94, 5_94]
    assert root.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "380"
    (seller_id,) = root.xpath("//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", namespaces=NS)
    assert (seller_id.get("schemeID"), seller_id.text) == ("0002", SELLER_SIREN)


def test_a_credit_note_is_a_381_referring_to_its_invoice() -> None:
    lines = LINES[:1]
    document = invoice(
        kind=DocumentKind.CREDIT_NOTE,
        lines=lines,
        totals=totals_of(lines),
        due_date=None,
        credited_invoice_number="F-2026-00040",
        credited_invoice_date=dt.date(2026, 3, 2),
    )
    root = embedded_xml(render_facturx(document))
    assert root.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    (reference,) = root.xpath("//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=NS)
    assert reference.text == "F-2026-00040"


def fonts_of(reader: PdfReader) -> list[dict]:
    """Every font descriptor the pages use (a composite font's is its descendant's)."""
    found = []
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            found.append(font["/FontDescriptor"].get_object() if "/FontDescriptor" in font else {"/BaseFont": font})
    return found


def test_the_facturx_is_pdfa3_with_embedded_fonts_and_an_output_intent() -> None:
    reader = PdfReader(io.BytesIO(render_facturx(invoice())))
    catalog: Any = reader.root_object
    xmp = catalog["/Metadata"].get_object().get_data()
    assert re.search(rb"<pdfaid:part>3</pdfaid:part>", xmp)
    assert b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert b"<xmp:CreateDate>2026-03-09T00:00:00+00:00</xmp:CreateDate>" in xmp
    (intent,) = catalog["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 3
    fonts = fonts_of(reader)
    assert fonts and all("/FontFile2" in font for font in fonts), fonts
    assert reader.metadata is not None and reader.metadata["/CreationDate"] == "D:20260309000000+00'00'"


def test_the_logo_is_drawn() -> None:
    for image_format in ("PNG", "JPEG"):
        out = io.BytesIO()
        Image.new("RGB", (300, 120), (110, 20, 45)).save(out, image_format)
        data = render_pdf(invoice(seller=replace(SELLER, logo=out.getvalue())))
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            (image,) = pdf.pages[0].images
        assert image["x0"] < 100 and image["top"] < 100


def test_quotes_have_no_e_invoice() -> None:
    with pytest.raises(ValueError, match="no e-invoice"):
        render_facturx(invoice(kind=DocumentKind.QUOTE, validity_date=dt.date(2026, 4, 9)))


def _wrong_totals() -> Totals:
    good = totals_of(LINES)
    return replace(good, excl_tax_cents=good.excl_tax_cents + 1, incl_tax_cents=good.incl_tax_cents + 1)


def _wrong_vat() -> Totals:
    good = totals_of(LINES)
    row = replace(good.vat[0], amount_cents=good.vat[0].amount_cents + 5)
    return replace(good, vat=(row, *good.vat[1:]), incl_tax_cents=good.incl_tax_cents + 5)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_date": None}, "due_date"),
        ({"totals": _wrong_totals()}, "totals.excl_tax_cents"),
        ({"totals": _wrong_vat()}, "totals.vat[0].amount_cents"),
        ({"totals": replace(totals_of(LINES), vat=totals_of(LINES).vat[:1])}, "totals.vat"),
        ({"totals": replace(totals_of(LINES), excise_cents=0)}, "totals.excise_cents"),
        ({"totals": None}, "totals"),
        ({"lines": (replace(LINES[0], amount_excl_tax_cents=1_400_00), *LINES[1:])}, "lines[0].amount_excl_tax_cents"),
        ({"lines": (replace(LINES[0], quantity=Decimal("1.2345")), *LINES[1:])}, "lines[0].quantity"),
        ({"lines": ()}, "lines"),
        ({"seller": replace(SELLER, siren=None)}, "seller.siren"),
        ({"seller": replace(SELLER, vat_number=None)}, "seller.vat_number"),
        ({"seller": replace(SELLER, siren="123456789")}, "seller.siren"),
        ({"seller": replace(SELLER, siret=siret(BUYER_SIREN))}, "seller.siret"),
        ({"seller": replace(SELLER, logo=b"GIF89a")}, "seller.logo"),
        ({"buyer": replace(BUSINESS, vat_number="FR99" + BUYER_SIREN)}, "buyer.vat_number"),
        ({"recovery_indemnity": False}, "recovery_indemnity"),
        ({"late_penalty_rate": None}, "late_penalty_rate"),
        ({"buyer": PRIVATE}, "recovery_indemnity"),
        ({"due_date": dt.date(2026, 3, 1)}, "due_date"),
        ({"kind": DocumentKind.QUOTE, "due_date": None}, "validity_date"),
        ({"kind": DocumentKind.CREDIT_NOTE}, "credited_invoice_number"),
        ({"currency": "USD"}, "currency"),
    ],
)
def test_bad_documents_raise_a_422_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidDocument) as raised:
        invoice(**changes)
    assert raised.value.status_code == 422
    assert raised.value.extra["errors"][0]["field"] == field


def test_a_zero_rate_needs_its_exemption_mention() -> None:
    lines = (line("Château Œuvray 2019, rouge, 75 cl", "60", 1250, "0"),)
    with pytest.raises(InvalidDocument, match="vat_exemption"):
        invoice(lines=lines, totals=totals_of(lines))
