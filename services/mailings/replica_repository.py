"""Queries of the client replica: each client's e-mail data as the clients service's events describe it.

The versioned upserts and final states are the shared client replica's; this module declares the
mailings service's columns and keeps the reads only it needs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ARRAY, BigInteger, any_, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def erased_ids(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Sequence[int]) -> set[int]:
    """The clients among these whose personal data was erased."""
    if not client_ids:
        return set()
    # One array parameter: a campaign's selection may name more clients than a statement takes parameters.
    ids = cast(sorted(set(client_ids)), ARRAY(BigInteger))
    rows = await session.scalars(
        select(EmailClient.client_id).where(
            EmailClient.account_id == account_id, EmailClient.client_id == any_(ids), EmailClient.erased.is_(True)
        )
    )
    return set(rows)
