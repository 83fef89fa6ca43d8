"""What the orders service keeps of each client: the columns of its replica and what fills them."""

from __future__ import annotations

from services.orders.models import ClientReplica
from shared.client_replica import ReplicaTable, Values
from shared.events.clients import ClientSnapshot
from shared.text import fold

COMPANY_IDENTIFIERS = ("legal_form", "siren", "siret", "vat_number")


def _columns(p: ClientSnapshot) -> Values:
    # What taking an order needs: the picker's search key, the closed states, the banner note,
    # the price grid, the addresses and a company's identifiers (which invoices print).
    return {
        "search_name": fold(p.display_name),
        "kind": p.kind,
        "blocked": p.blocked,
        "archived": p.archived,
        "note": p.note,
        "show_note_on_orders": p.show_note_on_orders,
        "price_grid_id": p.price_grid_id,
        "billing_address": p.billing_address.model_dump(),
        "shipping_address": p.shipping_address.model_dump() if p.shipping_address else None,
        **{name: getattr(p, name) for name in COMPANY_IDENTIFIERS},
    }


def _personal(pseudonym: str) -> Values:
    # The name, note, addresses and identifiers say who the client is; the grid and the flags do not.
    return {
        "display_name": pseudonym,
        "search_name": fold(pseudonym),
        "note": None,
        "show_note_on_orders": False,
        "billing_address": None,
        "shipping_address": None,
        **dict.fromkeys(COMPANY_IDENTIFIERS),
    }


CLIENTS = ReplicaTable(
    model=ClientReplica,
    columns=_columns,
    personal=_personal,
    # Archiving has its own version: sharing flags_version with blocked would let an archive event
    # that overtakes an older block make the block look stale and lose it.
    flags={"blocked": "flags_version", "archived": "archived_version"},
    placeholder={"search_name": ""},
    records_merge_id=True,
)
