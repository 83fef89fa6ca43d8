"""What the mailings service keeps of each client: the columns of its replica and what fills them.

The versioned upserts and final states are the shared client replica's; this module declares the
mailings service's columns.
"""

from __future__ import annotations

from services.mailings.models import EmailClient
from shared.client_replica import ReplicaTable, Values
from shared.events.clients import ClientSnapshot

FLAGS = ("receives_quotes", "receives_proforma", "receives_invoices", "receives_dunning")


def _columns(p: ClientSnapshot) -> Values:
    return {
        "email": p.email,
        "accepts_emailing": p.accepts_emailing,
        "archived": p.archived,
        # Only what choosing recipients needs: contacts without an address never receive anything.
        "contacts": [
            {"contact_id": c.contact_id, "email": c.email, **{f: getattr(c, f) for f in FLAGS}}
            for c in p.contacts
            if c.email
        ],
    }


def _personal(pseudonym: str) -> Values:
    return {"display_name": pseudonym, "email": None, "contacts": [], "accepts_emailing": False}


CLIENTS = ReplicaTable(
    model=EmailClient,
    columns=_columns,
    personal=_personal,
    flags={"archived": "flags_version"},
    key=("account_id", "client_id"),
    placeholder={"contacts": [], "accepts_emailing": False},
)
