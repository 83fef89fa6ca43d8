"""What a legal document prints: plain frozen data, checked once when built, so that no renderer meets a bad one.

Amounts are integer cents in euros. Excise duties (droits d'accises) are part of the price before VAT in France
and VAT is charged on them (CGI art. 267): a line's ``amount_excl_tax_cents`` is the goods alone and its
``excise_cents`` the duties on them; a VAT rate's base is the goods plus the duties of its lines, and the
document's total before tax includes the duties ("Total HT ... dont droits d'accises ...").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret

from shared.company_identifiers import check_siren, check_siret, check_vat_number
from shared.errors import InvalidField


class InvalidDocument(InvalidField):
    """The document's data cannot make a legal document (a mention missing, totals not adding up): 422."""


class DocumentKind(StrEnum):
    """The documents an account issues."""

    QUOTE = "quote"
    PROFORMA = "proforma"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    DELIVERY_NOTE = "delivery_note"


# Invoices and credit notes are the tax documents: the seller's identifiers and every mention are required.
TAX_DOCUMENTS = frozenset({DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE})
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
QUANTITY_PLACES = 3
RATE_PLACES = 2


@dataclass(frozen=True)
class Seller:
    """The account issuing the document, with the identifiers French law asks it to print."""

    name: str
    legal_form: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    country_code: str = "FR"
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    rcs_city: str | None = None
    rcs_number: str | None = None
    share_capital_cents: int | None = None
    logo: bytes | None = None
    email: str | None = None
    phone: str | None = None
    iban: str | None = None


@dataclass(frozen=True)
class Buyer:
    """The client: a company prints its legal form and identifiers, a private person only a name and address."""

    name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    country_code: str = "FR"
    is_business: bool = False
    legal_form: str | None = None
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None


@dataclass(frozen=True)
class Line:
    """One line: the goods before VAT and without excise, and the excise on them (0 when none)."""

    description: str
    quantity: Decimal
    unit: str
    unit_price_excl_tax_cents: int
    vat_rate: Decimal
    amount_excl_tax_cents: int
    excise_cents: int = 0
    # UN/ECE recommendation 20 unit of the e-invoice: H87 piece (a bottle, a case), LTR litre.
    unit_code: str = "H87"


@dataclass(frozen=True)
class VatBreakdown:
    """One VAT rate: its base (goods and excise of its lines) and the VAT on it."""

    rate: Decimal
    base_cents: int
    amount_cents: int


@dataclass(frozen=True)
class Totals:
    """The totals: before tax (excise included), VAT per rate, of which excise, with tax."""

    excl_tax_cents: int
    vat: tuple[VatBreakdown, ...]
    excise_cents: int
    incl_tax_cents: int
    prices_include_tax: bool = False

    @property
    def vat_cents(self) -> int:
        """The VAT of every rate."""
        return sum(v.amount_cents for v in self.vat)


@dataclass(frozen=True)
class Document:
    """A document as printed; InvalidDocument (422, naming the field) when it could not be a legal one."""

    kind: DocumentKind
    number: str
    issue_date: dt.date
    seller: Seller
    buyer: Buyer
    lines: tuple[Line, ...]
    totals: Totals | None = None  # a delivery note prints no prices
    due_date: dt.date | None = None
    validity_date: dt.date | None = None
    delivery_date: dt.date | None = None
    order_number: str | None = None
    credited_invoice_number: str | None = None
    credited_invoice_date: dt.date | None = None
    payment_terms: str | None = None
    late_penalty_rate: str | None = None
    recovery_indemnity: bool = False
    vat_exemption: str | None = None
    currency: str = "EUR"
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        check_document(self)

    @property
    def excise_rows(self) -> bool:
        """Whether any line carries excise (the lines table then has its column)."""
        return any(line.excise_cents for line in self.lines)


def _fail(field_name: str, message: str) -> InvalidDocument:
    return InvalidDocument(field_name, message)


def _require(value: object, field_name: str, message: str = "is required") -> None:
    if value is None or (isinstance(value, str | tuple) and not value):
        raise _fail(field_name, message)


def check_identifiers(prefix: str, *, siren: str | None, siret: str | None, vat_number: str | None) -> None:
    """SIREN, SIRET (whose first nine digits are the SIREN) and VAT number, checked as the services check them."""
    for name, check, value in (
        ("siren", check_siren, siren),
        ("siret", check_siret, siret),
        ("vat_number", check_vat_number, vat_number),
    ):
        try:
            check(value)
        except ValueError as error:
            raise _fail(f"{prefix}.{name}", str(error)) from error
    if siren is not None and siret is not None and fr_siret.to_siren(siret) != fr_siren.compact(siren):
        raise _fail(f"{prefix}.siret", "does not start with the SIREN")


def _check_seller(seller: Seller, kind: DocumentKind) -> None:
    _require(seller.name.strip(), "seller.name")
    _require(seller.address_lines, "seller.address_lines")
    check_identifiers("seller", siren=seller.siren, siret=seller.siret, vat_number=seller.vat_number)
    if kind in TAX_DOCUMENTS:
        for name in ("siren", "siret", "vat_number"):
            _require(getattr(seller, name), f"seller.{name}", f"is required on {kind.value.replace('_', ' ')}s")
    if (seller.rcs_city is None) != (seller.rcs_number is None):
        raise _fail("seller.rcs_number", "the RCS needs both its city and its number")
    if seller.share_capital_cents is not None and seller.share_capital_cents < 0:
        raise _fail("seller.share_capital_cents", "must not be negative")
    if seller.logo is not None and not seller.logo.startswith((PNG_MAGIC, JPEG_MAGIC)):
        raise _fail("seller.logo", "must be a PNG or JPEG image")


def _check_buyer(buyer: Buyer) -> None:
    _require(buyer.name.strip(), "buyer.name")
    if not buyer.is_business and (buyer.siren or buyer.siret or buyer.vat_number or buyer.legal_form):
        raise _fail("buyer.is_business", "a private buyer has no legal form, SIREN, SIRET or VAT number")
    check_identifiers("buyer", siren=buyer.siren, siret=buyer.siret, vat_number=buyer.vat_number)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _check_line(line: Line, at: str, priced: bool) -> None:
    _require(line.description.strip(), f"{at}.description")
    if not line.quantity.is_finite() or line.quantity <= 0 or _places(line.quantity) > QUANTITY_PLACES:
        raise _fail(f"{at}.quantity", f"must be positive with at most {QUANTITY_PLACES} decimals")
    if not priced:
        return
    if not line.vat_rate.is_finite() or not 0 <= line.vat_rate < 100 or _places(line.vat_rate) > RATE_PLACES:
        raise _fail(f"{at}.vat_rate", f"must be a percentage from 0 to 100 with at most {RATE_PLACES} decimals")
    if line.unit_price_excl_tax_cents < 0 or line.excise_cents < 0:
        raise _fail(f"{at}.unit_price_excl_tax_cents", "prices and excise must not be negative")
    # A grid with tax included gives a unit price before tax rounded to the cent: each unit may be half a
    # cent off, so the line is checked within that, not to the cent.
    exact = line.quantity * line.unit_price_excl_tax_cents
    if abs(exact - line.amount_excl_tax_cents) > max(Decimal(1), line.quantity) / 2:
        raise _fail(f"{at}.amount_excl_tax_cents", "is not the quantity times the unit price")


def _check_totals(document: Document, totals: Totals) -> None:
    lines = document.lines
    by_rate: dict[Decimal, tuple[int, int]] = {}
    for line in lines:
        base, count = by_rate.get(line.vat_rate, (0, 0))
        by_rate[line.vat_rate] = (base + line.amount_excl_tax_cents + line.excise_cents, count + 1)
    if totals.excise_cents != sum(line.excise_cents for line in lines):
        raise _fail("totals.excise_cents", "is not the sum of the lines' excise")
    if totals.excl_tax_cents != sum(base for base, _ in by_rate.values()):
        raise _fail("totals.excl_tax_cents", "is not the sum of the lines and their excise")
    rates = [v.rate for v in totals.vat]
    if len(set(rates)) != len(rates) or set(rates) != set(by_rate):
        raise _fail("totals.vat", "needs exactly one row per VAT rate of the lines")
    for index, row in enumerate(totals.vat):
        base, count = by_rate[row.rate]
        if row.base_cents != base:
            raise _fail(f"totals.vat[{index}].base_cents", "is not the sum of its lines and their excise")
        # Per-line rounding (grids with tax included) may move the VAT of a rate by up to half a cent a line.
        if abs(row.base_cents * row.rate / 100 - row.amount_cents) > Decimal(count + 1) / 2:
            raise _fail(f"totals.vat[{index}].amount_cents", "is not the base times the rate")
    if totals.incl_tax_cents != totals.excl_tax_cents + totals.vat_cents:
        raise _fail("totals.incl_tax_cents", "is not the total before tax plus the VAT")
    if any(row.rate == 0 for row in totals.vat) and not document.vat_exemption:
        raise _fail("vat_exemption", "a line without VAT needs the exemption's legal mention")


def _check_kind(document: Document) -> None:
    kind = document.kind
    if kind is DocumentKind.INVOICE:
        _require(document.due_date, "due_date", "is required on an invoice")
        _require(document.payment_terms, "payment_terms", "is required on an invoice")
        if document.buyer.is_business:
            _require(document.late_penalty_rate, "late_penalty_rate", "is required for a business buyer")
            if not document.recovery_indemnity:
                raise _fail("recovery_indemnity", "the 40 € indemnity is a required mention for a business buyer")
    if document.recovery_indemnity and not document.buyer.is_business:
        raise _fail("recovery_indemnity", "applies to business buyers only")
    if kind is DocumentKind.QUOTE:
        _require(document.validity_date, "validity_date", "is required on a quote")
    if kind is DocumentKind.CREDIT_NOTE:
        _require(document.credited_invoice_number, "credited_invoice_number", "is required on a credit note")
        _require(document.credited_invoice_date, "credited_invoice_date", "is required on a credit note")
    for name in ("due_date", "validity_date"):
        value = getattr(document, name)
        if value is not None and value < document.issue_date:
            raise _fail(name, "is before the issue date")


def check_document(document: Document) -> None:
    """InvalidDocument naming the first field that keeps ``document`` from being a legal document."""
    _require(document.number.strip(), "number")
    if document.currency != "EUR":
        raise _fail("currency", "only EUR is supported")
    _check_seller(document.seller, document.kind)
    _check_buyer(document.buyer)
    _check_kind(document)
    _require(document.lines, "lines", "a document needs at least one line")
    priced = document.kind is not DocumentKind.DELIVERY_NOTE
    for index, line in enumerate(document.lines):
        _check_line(line, f"lines[{index}]", priced)
    if priced:
        if document.totals is None:
            raise _fail("totals", f"is required on a {document.kind.value.replace('_', ' ')}")
        _check_totals(document, document.totals)
