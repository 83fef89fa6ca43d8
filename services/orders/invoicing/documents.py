"""The documents of an order as the renderer takes them: its invoice, credit note and delivery notes.

Built from what the orders service holds: the lines' snapshots (rate, excise), the totals stored on the
invoice as issued, the seller profile and the client replica. The renderer (services/orders/documents)
checks the result and refuses, naming the field, what could not be a legal document.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from services.orders.documents.model import Buyer, Document, DocumentKind, Line, Totals, VatBreakdown
from services.orders.models import ClientReplica, Invoice, Order, OrderLine, SellerProfile, Shipment, ShipmentLine
from services.orders.seller.domain import payment_terms, seller_of

# Dates printed on documents are French calendar days: an invoice issued at 00:30 in Paris is of that day.
PARIS = ZoneInfo("Europe/Paris")
UNITS = {"bottle": "bouteille", "magnum": "magnum", "bag-in-box": "BIB"}
IDENTIFIERS = ("legal_form", "siren", "siret", "vat_number")


def french_day(moment: dt.datetime) -> dt.date:
    """The calendar day in France of a moment."""
    return moment.astimezone(PARIS).date()


def buyer_of(client: ClientReplica | None) -> Buyer:
    """The client as its documents name it: a company with its identifiers, a person by name and address."""
    if client is None:  # never reached the replica: the order still names it, by number only
        return Buyer(name="Client inconnu", address_lines=(), postal_code="", city="")
    address: dict[str, Any] = client.billing_address or {}
    # Replica rows no snapshot has reached since the kind was replicated: a company is known by its identifiers.
    business = client.kind == "company" if client.kind else any(getattr(client, n) for n in IDENTIFIERS)
    return Buyer(
        name=client.display_name,
        address_lines=tuple(address[k] for k in ("line1", "line2", "line3") if address.get(k)),
        postal_code=address.get("postal_code") or "",
        city=address.get("city") or "",
        country_code=address.get("country_code") or "FR",
        is_business=business,
        **({name: getattr(client, name) for name in IDENTIFIERS} if business else {}),
    )


def _description(detail: Any) -> str:
    parts = [detail.product_name + (f" {detail.vintage}" if detail.vintage else ""), detail.container_name]
    if detail.packaging:
        parts.append(detail.packaging)
    return ", ".join(parts)


def _excl_tax_amounts(invoice: Invoice, lines: list[OrderLine]) -> dict[int, int]:
    """Each line's goods before VAT and excise, so that a rate's lines and excise add up to its stored base.

    A grid without tax gives them as they are. A grid with tax gives each line its share of the rate's base
    (its amount x 100 / (100 + rate), rounded half up, less its excise); the cents the rounding leaves go to
    the rate's largest line, so the base printed is exactly the one stored.
    """
    if not invoice.prices_include_tax:
        return {line.id: line.line_total_cents for line in lines}
    bases = {Decimal(str(row["rate"])): int(row["base_cents"]) for row in invoice.vat}
    by_rate: dict[Decimal, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_rate[line.vat_rate].append(line)
    amounts: dict[int, int] = {}
    for rate, group in by_rate.items():
        for line in group:
            excl = (Decimal(line.line_total_cents) * 100 / (100 + rate)).quantize(Decimal(1), ROUND_HALF_UP)
            amounts[line.id] = int(excl) - line.excise_cents
        largest = max(group, key=lambda line: (line.line_total_cents, -line.id))
        amounts[largest.id] += bases[rate] - sum(amounts[line.id] + line.excise_cents for line in group)
    return amounts


def priced_lines(invoice: Invoice, lines: list[OrderLine], details: dict[int, Any]) -> tuple[Line, ...]:
    """The order's lines before tax, with their rate and excise as snapshotted when priced."""
    amounts = _excl_tax_amounts(invoice, lines)
    printed = []
    for line in lines:
        detail = details[line.variant_id]
        amount = amounts[line.id]
        unit_price = (
            line.unit_price_cents
            if not invoice.prices_include_tax
            else int((Decimal(amount) / line.quantity).quantize(Decimal(1), ROUND_HALF_UP))
        )
        printed.append(
            Line(
                description=_description(detail),
                quantity=line.quantity,
                unit=UNITS.get(detail.kind, "unité"),
                unit_price_excl_tax_cents=unit_price,
                vat_rate=line.vat_rate,
                amount_excl_tax_cents=amount,
                excise_cents=line.excise_cents,
            )
        )
    return tuple(printed)


def stored_totals(invoice: Invoice) -> Totals:
    """The totals as the invoice stored them when issued."""
    return Totals(
        excl_tax_cents=invoice.total_excl_tax_cents,
        vat=tuple(
            VatBreakdown(Decimal(str(row["rate"])), int(row["base_cents"]), int(row["amount_cents"]))
            for row in invoice.vat
        ),
        excise_cents=invoice.excise_cents,
        incl_tax_cents=invoice.total_cents,
        prices_include_tax=invoice.prices_include_tax,
    )


@dataclass(frozen=True)
class InvoiceSources:
    """What an invoice and its credit note are printed from: the order, the invoice, its lines, seller and buyer."""

    order: Order
    invoice: Invoice
    lines: list[OrderLine]
    details: dict[int, Any]
    profile: SellerProfile
    logo: bytes | None
    client: ClientReplica | None

    def printed_alike(self) -> dict[str, Any]:
        """The fields an invoice and its credit note print the same way."""
        return {
            "seller": seller_of(self.profile, logo=self.logo),
            "buyer": buyer_of(self.client),
            "lines": priced_lines(self.invoice, self.lines, self.details),
            "totals": stored_totals(self.invoice),
            "order_number": self.order.number,
            "vat_exemption": self.profile.vat_exemption,
        }


def invoice_document(sources: InvoiceSources) -> Document:
    """The invoice as issued: due after the profile's payment terms, with the B2B mentions for a company."""
    invoice, profile = sources.invoice, sources.profile
    issued = french_day(invoice.issued_at)
    alike = sources.printed_alike()
    return Document(
        kind=DocumentKind.INVOICE,
        number=invoice.number,
        issue_date=issued,
        due_date=issued + dt.timedelta(days=profile.payment_terms_days),
        payment_terms=payment_terms(profile),
        late_penalty_rate=profile.late_penalty_rate,
        recovery_indemnity=alike["buyer"].is_business,
        **alike,
    )


def credit_note_document(sources: InvoiceSources) -> Document:
    """The credit note cancelling the whole invoice: its lines and totals, naming the invoice it cancels."""
    invoice = sources.invoice
    assert invoice.credit_note_number is not None and invoice.cancelled_at is not None
    return Document(
        kind=DocumentKind.CREDIT_NOTE,
        number=invoice.credit_note_number,
        issue_date=french_day(invoice.cancelled_at),
        credited_invoice_number=invoice.number,
        credited_invoice_date=french_day(invoice.issued_at),
        **sources.printed_alike(),
    )


def delivery_note_number(shipment: Shipment) -> str:
    """A delivery note is numbered by its shipment (it is no tax document: no gapless series)."""
    return f"BL-{shipment.id:06d}"


def delivery_note_document(
    *,
    order: Order,
    shipment: Shipment,
    shipped: list[ShipmentLine],
    lines: list[OrderLine],
    details: dict[int, Any],
    profile: SellerProfile,
    logo: bytes | None,
    ship_to: ClientReplica | None,
) -> Document:
    """A shipment's delivery note: what left and to whom, without prices."""
    variant_of = {line.id: line.variant_id for line in lines}
    return Document(
        kind=DocumentKind.DELIVERY_NOTE,
        number=delivery_note_number(shipment),
        issue_date=french_day(shipment.shipped_at),
        delivery_date=french_day(shipment.shipped_at),
        seller=seller_of(profile, logo=logo),
        buyer=buyer_of(ship_to),
        lines=tuple(
            Line(
                description=_description(details[variant_of[item.order_line_id]]),
                quantity=item.quantity,
                unit=UNITS.get(details[variant_of[item.order_line_id]].kind, "unité"),
                unit_price_excl_tax_cents=0,
                vat_rate=Decimal(0),
                amount_excl_tax_cents=0,
            )
            for item in shipped
        ),
        order_number=order.number,
    )
