"""Pure rules of the timeline: what an entry holds, its filter category and its short French text."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args

# No-break spaces: a thousands group or the currency sign never wraps to the next line.
NBSP = "\u00a0"
CLIENT_CREATED = "Fiche client créée"
# What the timeline can be filtered on, and the event types each covers (same rule as migration 0004).
TimelineCategory = Literal[
    "created",
    "edited",
    "note",
    "order",
    "invoice",
    "shipment",
    "payment",
    "reminder",
    "email",
    "mailing",
    "merge",
    "block",
    "archive",
    "erase",
]
CATEGORIES: tuple[str, ...] = get_args(TimelineCategory)
_CLIENT_CATEGORIES = {
    "client.created": "created",
    "client.updated": "edited",
    "client.blocked": "block",
    "client.unblocked": "block",
    "client.merged": "merge",
    "client.archived": "archive",
    "client.restored": "archive",
    "client.erased": "erase",
}
ORDER_VERBS = {"order.created": "créée", "order.confirmed": "validée", "order.cancelled": "annulée"}
# Stands for another client's name in an entry's stored text. The name is written in when the
# timeline is read (the entry keeps that client's id), so a rename shows at once and erasing
# that client leaves no copy of its name on anyone's timeline.
OTHER_CLIENT = "{client}"


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A timeline entry to write; ``source_event_id`` makes a redelivered event add nothing."""

    account_id: uuid.UUID
    client_id: int
    occurred_at: datetime
    kind: str
    text: str
    object_type: str
    object_id: int | None
    amount_cents: int | None
    source_event_id: uuid.UUID | None
    link: str | None = None
    about_client_id: int | None = None


def category_of(kind: str) -> str:
    """The filter category of an entry kind: 'invoice.issued' -> 'invoice', 'client.blocked' -> 'block'."""
    return _CLIENT_CATEGORIES.get(kind) or kind.split(".", 1)[0]


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


def shipment_text(*, order_number: str, units: Decimal, litres: Decimal, to_other_client: bool = False) -> str:
    """'Expédition de la commande C-000123 : 12 unités, 9 L'; the billed client's line names the ship-to."""
    noun = "unité" if units < 2 else "unités"
    recipient = f" vers {OTHER_CLIENT}" if to_other_client else ""
    return (
        f"Expédition de la commande {order_number}{recipient} : {decimal_fr(units)} {noun}, {decimal_fr(litres)}{NBSP}L"
    )


def payment_text(*, order_number: str, amount_cents: int) -> str:
    """'Paiement reçu pour la commande C-000123 : 1 234,56 €'."""
    return f"Paiement reçu pour la commande {order_number} : {euros(amount_cents)}"


FIELD_LABELS = {
    "kind": "type",
    "title": "civilité",
    "first_name": "prénom",
    "last_name": "nom",
    "company_name": "société",
    "display_name": "nom affiché",
    "email": "e-mail",
    "phone": "téléphone",
    "mobile": "portable",
    "billing_address": "adresse de facturation",
    "shipping_same_as_billing": "livraison à l'adresse de facturation",
    "shipping_address": "adresse de livraison",
    "category_id": "catégorie",
    "price_grid_id": "grille tarifaire",
    "tag_ids": "étiquettes",
    "accounting_code": "code comptable",
    "accepts_emailing": "accepte l'emailing",
    "accepts_mailing": "accepte le courrier",
    "note": "note",
    "show_note_on_orders": "note sur les commandes",
    "legal_form": "forme juridique",
    "siren": "SIREN",
    "siret": "SIRET",
    "vat_number": "n° de TVA intracommunautaire",
    "contacts": "contacts",
}
NOTE_KINDS = {"comment": "Commentaire", "call": "Appel", "meeting": "Rendez-vous"}
NOTE_PREVIEW = 280


def fields_edited_text(changed: list[str], *, by_user: str) -> str:
    """'Fiche modifiée par alice : e-mail, téléphone'."""
    labels = [FIELD_LABELS.get(name, name) for name in changed if name != "display_name" or len(changed) == 1]
    return f"Fiche modifiée par {by_user} : {', '.join(labels)}"


def block_text(*, blocked: bool, by_user: str, reason: str | None) -> str:
    """'Client bloqué par alice : impayés' or 'Client débloqué par alice'."""
    if not blocked:
        return f"Client débloqué par {by_user}"
    return f"Client bloqué par {by_user}" + (f" : {reason}" if reason else "")


def archive_text(*, archived: bool, by_user: str) -> str:
    """'Fiche archivée par alice' or 'Fiche restaurée par alice'."""
    return f"Fiche {'archivée' if archived else 'restaurée'} par {by_user}"


def merged_text(*, merged_client_id: int, by_user: str) -> str:
    """'Fiche « Dupont » (n° 12) fusionnée dans celle-ci par alice', the merged client's name read later."""
    return f"Fiche « {OTHER_CLIENT} » (n° {merged_client_id}) fusionnée dans celle-ci par {by_user}"


def with_other_client(text: str, name: str) -> str:
    """An entry's stored text with the other client's name written in."""
    return text.replace(OTHER_CLIENT, name, 1)


def note_text(kind: str, text: str) -> str:
    """'Appel : rappeler mardi…', the note cut to a preview length."""
    preview = text if len(text) <= NOTE_PREVIEW else text[: NOTE_PREVIEW - 1].rstrip() + "…"
    return f"{NOTE_KINDS[kind]} : {preview}"


REMINDER_VERBS = {
    "reminder.created": "créé",
    "reminder.updated": "modifié",
    "reminder.due": "arrivé à échéance",
    "reminder.done": "fait",
    "reminder.deleted": "supprimé",
}


def reminder_text(kind: str, *, text: str, assigned_user: str) -> str:
    """'Rappel créé pour alice : rappeler pour la commande de Noël'."""
    return f"Rappel {REMINDER_VERBS[kind]} pour {assigned_user} : {text}"


def email_text(kind: str, *, subject: str, recipients: list[str], error: str | None) -> str:
    """'E-mail envoyé à a@b.fr : Votre facture' or 'E-mail non envoyé (…) : …'."""
    to = ", ".join(recipients)
    if kind == "email.sent":
        return f"E-mail envoyé à {to} : {subject}"
    return f"E-mail non envoyé à {to} ({error or 'échec'}) : {subject}"


def mailing_text(*, name: str) -> str:
    """'Courrier imprimé : Vœux 2027'."""
    return f"Courrier imprimé : {name}"
