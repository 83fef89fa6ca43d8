"""A stored client as the API shows it and as its events carry it (snapshots)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.clients.base.domain import NameOrder, display_name
from services.clients.models import Client, Contact
from shared.events.clients import AddressPayload, ClientSnapshot, ContactPayload

ADDRESS_PARTS = ("line1", "line2", "line3", "postal_code", "city")
COMPANY_IDENTIFIERS = ("legal_form", "siren", "siret", "vat_number")


def address_of(client: Client, prefix: str) -> dict[str, Any]:
    """The billing or shipping address block of a client as a dict."""
    block = {part: getattr(client, f"{prefix}_{part}") for part in ADDRESS_PARTS}
    block["country_code"] = getattr(client, f"{prefix}_country")
    return block


def name_of(client: Client | Any, order: NameOrder) -> str:
    """The display name of a client row in the account's name order."""
    return display_name(
        kind=client.kind,
        first_name=client.first_name,
        last_name=client.last_name,
        company_name=client.company_name,
        order=order,
    )


def company_identifiers(client: Client) -> dict[str, str | None]:
    """A company's legal form, SIREN, SIRET and VAT number (all None for a person)."""
    return {name: getattr(client, name) for name in COMPANY_IDENTIFIERS}


def last_invoiced(row: Client | Any) -> dict[str, Any] | None:
    """The last invoiced order block, or None for a prospect."""
    if row.last_invoiced_at is None or row.last_invoiced_order_id is None:
        return None
    return {
        "order_id": row.last_invoiced_order_id,
        "number": row.last_invoiced_order_number,
        "invoiced_at": row.last_invoiced_at,
    }


def client_body(client: Client, *, tag_ids: list[int], order: NameOrder) -> dict[str, Any]:
    """Every field of a client for the client sheet."""
    billing = address_of(client, "billing")
    return {
        "id": client.id,
        "version": client.version,
        "kind": client.kind,
        "display_name": name_of(client, order),
        "title": client.title,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "company_name": client.company_name,
        "email": client.email,
        "phone": client.phone,
        "mobile": client.mobile,
        "billing_address": billing,
        "shipping_same_as_billing": client.shipping_same_as_billing,
        "shipping_address": billing if client.shipping_same_as_billing else address_of(client, "shipping"),
        "category_id": client.category_id,
        "price_grid_id": client.price_grid_id,
        "tag_ids": tag_ids,
        "accounting_code": client.accounting_code,
        "accepts_emailing": client.accepts_emailing,
        "accepts_mailing": client.accepts_mailing,
        "note": client.note,
        "show_note_on_orders": client.show_note_on_orders,
        **company_identifiers(client),
        "blocked": client.blocked,
        "blocked_reason": client.blocked_reason,
        "blocked_at": client.blocked_at,
        "blocked_by": client.blocked_by,
        "status": client.status,
        "invoiced_orders_count": client.invoiced_orders_count,
        "invoiced_total_cents": client.invoiced_total_cents,
        "last_invoiced_order": last_invoiced(client),
        "archived_at": client.archived_at,
        "archived_by": client.archived_by,
        "erased_at": client.erased_at,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    }


def contact_payload(contact: Contact) -> ContactPayload:
    """What other services learn of a contact: who, and which documents they receive."""
    return ContactPayload(
        contact_id=contact.id,
        title=contact.title,
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        receives_quotes=contact.receives_quotes,
        receives_proforma=contact.receives_proforma,
        receives_invoices=contact.receives_invoices,
        receives_dunning=contact.receives_dunning,
    )


def snapshot(
    client: Client, *, tag_ids: list[int], order: NameOrder, contacts: Sequence[Contact] = ()
) -> ClientSnapshot:
    """Event-carried state of a client, with its contacts (the mailings service picks recipients from them)."""
    return ClientSnapshot(
        client_id=client.id,
        version=client.version,
        kind=client.kind,
        title=client.title,
        first_name=client.first_name,
        last_name=client.last_name,
        company_name=client.company_name,
        display_name=name_of(client, order),
        email=client.email,
        phone=client.phone,
        mobile=client.mobile,
        billing_address=AddressPayload(**address_of(client, "billing")),
        shipping_address=None if client.shipping_same_as_billing else AddressPayload(**address_of(client, "shipping")),
        category_id=client.category_id,
        price_grid_id=client.price_grid_id,
        tag_ids=tag_ids,
        accounting_code=client.accounting_code,
        accepts_emailing=client.accepts_emailing,
        accepts_mailing=client.accepts_mailing,
        note=client.note,
        show_note_on_orders=client.show_note_on_orders,
        **company_identifiers(client),
        blocked=client.blocked,
        archived=client.archived_at is not None,
        contacts=[contact_payload(c) for c in contacts],
        created_at=client.created_at,
        updated_at=client.updated_at,
    )
