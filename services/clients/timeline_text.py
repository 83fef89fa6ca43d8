"""Pure rules of the timeline: the short French text of each entry (F10)."""

from __future__ import annotations

from decimal import Decimal

# No-break spaces: a thousands group or the currency sign never wraps to the next line.
NBSP = "\u00a0"
CLIENT_CREATED = "Fiche client créée"
ORDER_VERBS = {"order.created": "créée", "order.confirmed": "validée", "order.cancelled": "annulée"}


def euros(cents: int) -> str:
    """An amount the French way: 123456 -> '1 234,56 €' (no-break spaces)."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", NBSP)
    return f"{sign}{grouped},{rest:02d}{NBSP}€"


def decimal_fr(value: Decimal) -> str:
    """A quantity without useless zeros and with a decimal comma: Decimal('1.500') -> '1,5'."""
    text = f"{value.normalize():f}" if value else "0"
    return text.replace(".", ",")


def order_text(kind: str, *, order_number: str, total_cents: int) -> str:
    """'Commande C-000123 validée : 1 234,56 €'."""
    return f"Commande {order_number} {ORDER_VERBS[kind]} : {euros(total_cents)}"


def invoice_issued_text(*, invoice_number: str, total_cents: int) -> str:
    """'Facture F-000123 émise : 1 234,56 €'."""
    return f"Facture {invoice_number} émise : {euros(total_cents)}"


def invoice_cancelled_text(*, credit_note_number: str, invoice_number: str | None, total_cents: int | None) -> str:
    """The credit note, and the invoice's number and amount once its issue is known."""
    if invoice_number is None or total_cents is None:
        return f"Facture annulée par l'avoir {credit_note_number}"
    return f"Facture {invoice_number} annulée par l'avoir {credit_note_number} : {euros(total_cents)}"


def shipment_text(*, order_number: str, units: Decimal, litres: Decimal, ship_to: str | None = None) -> str:
    """'Expédition de la commande C-000123 : 12 unités, 9 L', naming the recipient for the billed client."""
    noun = "unité" if units < 2 else "unités"
    recipient = f" vers {ship_to}" if ship_to else ""
    return (f"Expédition de la commande {order_number}{recipient} : "
            f"{decimal_fr(units)} {noun}, {decimal_fr(litres)}{NBSP}L")


def payment_text(*, order_number: str, amount_cents: int) -> str:
    """'Paiement reçu pour la commande C-000123 : 1 234,56 €'."""
    return f"Paiement reçu pour la commande {order_number} : {euros(amount_cents)}"
