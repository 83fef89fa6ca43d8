"""The CII XML of an invoice or credit note, EN 16931 profile of Factur-X, written with drafthorse.

Excise duties have no field in EN 16931. They are sent as document-level charges (BG-21), one per VAT rate
whose lines carry excise, reason "Droits d'accises": VAT is due on them (CGI art. 267), and a charge carries its
VAT category and rate, so every rate's taxable amount is its lines plus its charge (BR-S-08), the tax basis
total is the lines plus the charges (BR-CO-13) and equals the PDF's "Total HT", and the excise total stays a
figure of its own (ChargeTotalAmount, the PDF's "dont droits d'accises") that the buyer can book apart. An
extra invoice line would have mixed the duties into the goods' line total; a line-level charge would have
hidden them inside each line's net amount.
"""

from __future__ import annotations

from decimal import Decimal

from drafthorse.models.accounting import ApplicableTradeTax, CategoryTradeTax, TradeAllowanceCharge
from drafthorse.models.document import Document as CrossIndustryInvoice
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem
from facturx import xml_check_xsd

from services.orders.documents import formatting as fr
from services.orders.documents.model import Buyer, Document, DocumentKind, Seller, Totals
from services.orders.documents.summary import RECOVERY_INDEMNITY

EN16931 = "urn:cen.eu:en16931:2017"
TYPE_CODES = {DocumentKind.INVOICE: "380", DocumentKind.CREDIT_NOTE: "381"}
SIREN_SCHEME = "0002"  # ISO 6523 ICD of the French SIRENE register
EXCISE_REASON = "Droits d'accises"
SEPA_CREDIT_TRANSFER = "58"
CENT = Decimal("0.01")


def amount(cents: int) -> Decimal:
    """Cents as the XML's two-decimal amount."""
    return (Decimal(cents) / 100).quantize(CENT)


def vat_category(rate: Decimal) -> str:
    """S, standard rated; E, exempt (the document's exemption mention gives the reason)."""
    return "S" if rate else "E"


def _address(party: Seller | Buyer, target: object) -> None:
    address = target.address  # type: ignore[attr-defined]
    address.postcode = party.postal_code
    for field, line in zip(("line_one", "line_two", "line_three"), party.address_lines, strict=False):
        setattr(address, field, line)
    address.city_name = party.city
    address.country_id = party.country_code


def _seller(document: Document, cii: CrossIndustryInvoice) -> None:
    seller, target = document.seller, cii.trade.agreement.seller
    target.name = seller.name
    legal = [seller.legal_form]
    if seller.share_capital_cents is not None:
        legal.append(f"au capital de {fr.euros(seller.share_capital_cents)}")
    if seller.rcs_city and seller.rcs_number:
        legal.append(f"RCS {seller.rcs_city} {seller.rcs_number}")
    target.description = " ".join(part for part in legal if part)
    target.legal_organization.id = (SIREN_SCHEME, seller.siren)
    _address(seller, target)
    target.tax_registrations.add(TaxRegistration(id=("VA", seller.vat_number)))


def _buyer(document: Document, cii: CrossIndustryInvoice) -> None:
    buyer, target = document.buyer, cii.trade.agreement.buyer
    target.name = buyer.name
    if buyer.is_business and buyer.siren:
        target.legal_organization.id = (SIREN_SCHEME, buyer.siren)
    _address(buyer, target)
    if buyer.vat_number:
        target.tax_registrations.add(TaxRegistration(id=("VA", buyer.vat_number)))


def _notes(document: Document, cii: CrossIndustryInvoice) -> None:
    # UNTDID 4451 subjects French e-invoices use: PMD penalties, PMT recovery indemnity, AAI general.
    notes = [("PMD", f"Pénalités de retard : {document.late_penalty_rate}" if document.late_penalty_rate else None)]
    notes.append(("PMT", RECOVERY_INDEMNITY if document.recovery_indemnity else None))
    notes += [("AAI", text) for text in document.notes]
    for subject, content in notes:
        if content:
            note = IncludedNote()
            note.content = content
            note.subject_code = subject
            cii.header.notes.add(note)


def _lines(document: Document, cii: CrossIndustryInvoice) -> None:
    for number, line in enumerate(document.lines, start=1):
        item = LineItem()
        item.document.line_id = str(number)
        item.product.name = line.description
        item.agreement.net.amount = amount(line.unit_price_excl_tax_cents)
        item.delivery.billed_quantity = (line.quantity, line.unit_code)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = vat_category(line.vat_rate)
        item.settlement.trade_tax.rate_applicable_percent = line.vat_rate
        item.settlement.monetary_summation.total_amount = amount(line.amount_excl_tax_cents)
        cii.trade.items.add(item)


def _taxes(document: Document, totals: Totals, cii: CrossIndustryInvoice) -> None:
    settlement = cii.trade.settlement
    for row in totals.vat:
        tax = ApplicableTradeTax()
        tax.calculated_amount = amount(row.amount_cents)
        tax.type_code = "VAT"
        if not row.rate:
            tax.exemption_reason = document.vat_exemption
        tax.basis_amount = amount(row.base_cents)
        tax.category_code = vat_category(row.rate)
        tax.rate_applicable_percent = row.rate
        settlement.trade_tax.add(tax)
    for rate in sorted({line.vat_rate for line in document.lines}):
        excise = sum(line.excise_cents for line in document.lines if line.vat_rate == rate)
        if excise:
            charge = TradeAllowanceCharge()
            charge.indicator = True
            charge.actual_amount = amount(excise)
            charge.reason = EXCISE_REASON
            category = CategoryTradeTax()
            category.type_code = "VAT"
            category.category_code = vat_category(rate)
            category.rate_applicable_percent = rate
            charge.trade_tax.add(category)
            settlement.allowance_charge.add(charge)


def _settlement(document: Document, totals: Totals, cii: CrossIndustryInvoice) -> None:
    settlement = cii.trade.settlement
    settlement.currency_code = document.currency
    if document.seller.iban:
        means = PaymentMeans()
        means.type_code = SEPA_CREDIT_TRANSFER
        means.payee_account.iban = document.seller.iban.replace(" ", "")
        settlement.payment_means.add(means)
    _taxes(document, totals, cii)
    if document.payment_terms or document.due_date:
        terms = PaymentTerms()
        if document.payment_terms:
            terms.description = document.payment_terms
        if document.due_date:
            terms.due = document.due_date
        settlement.terms.add(terms)
    summation = settlement.monetary_summation
    summation.line_total = amount(sum(line.amount_excl_tax_cents for line in document.lines))
    summation.charge_total = amount(totals.excise_cents)
    summation.allowance_total = amount(0)
    summation.tax_basis_total = amount(totals.excl_tax_cents)
    summation.tax_total = (amount(totals.vat_cents), document.currency)
    summation.grand_total = amount(totals.incl_tax_cents)
    summation.due_amount = amount(totals.incl_tax_cents)
    if document.kind is DocumentKind.CREDIT_NOTE:
        settlement.invoice_referenced_document.issuer_assigned_id = document.credited_invoice_number
        settlement.invoice_referenced_document.issue_date_time = document.credited_invoice_date


def cii_xml(document: Document) -> bytes:
    """The Factur-X EN 16931 XML of an invoice or credit note, checked against the standard's XSD."""
    if document.kind not in TYPE_CODES or document.totals is None:
        raise ValueError(f"a {document.kind.value} has no e-invoice")
    cii = CrossIndustryInvoice()
    cii.context.guideline_parameter.id = EN16931
    cii.header.id = document.number
    cii.header.type_code = TYPE_CODES[document.kind]
    cii.header.issue_date_time = document.issue_date
    _notes(document, cii)
    _lines(document, cii)
    _seller(document, cii)
    _buyer(document, cii)
    if document.delivery_date:
        cii.trade.delivery.event.occurrence = document.delivery_date
    _settlement(document, document.totals, cii)
    xml: bytes = cii.serialize(schema=None)  # checked below against Factur-X's own, newer, XSD
    xml_check_xsd(xml, flavor="factur-x", level="en16931")
    return xml
