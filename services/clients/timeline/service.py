"""Use cases of a client's timeline: the entries every slice writes, and the page the sheet reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.bodies import name_of
from services.clients.base.keyset import decode_cursor, encode_cursor
from services.clients.base.service import account_of, load_any_client
from services.clients.models import Client
from services.clients.timeline import repository
from services.clients.timeline.domain import NewEntry, with_other_client
from shared.auth import Principal
from shared.events.envelope import Event

OBJECT_LINKS = {
    "client": "/api/clients/{id}",
    "order": "/api/orders/{id}",
    "reminder": "/api/reminders/{id}",
    "email": "/api/mailings/emails/{id}",
    "mailing": "/api/mailings/campaigns/{id}",
}


def timeline_row(entry: Any, *, other_name: str | None = None) -> dict[str, Any]:
    """One line of a client's timeline, with a link to its object and the other client it names, by name."""
    row = {
        name: getattr(entry, name)
        for name in (
            "id",
            "occurred_at",
            "kind",
            "category",
            "text",
            "object_type",
            "object_id",
            "amount_cents",
            "link",
        )
    }
    if entry.about_client_id is not None:
        row["text"] = with_other_client(entry.text, other_name or f"n° {entry.about_client_id}")
    if row["link"] is None and entry.object_id is not None:
        if entry.object_type == "note":
            row["link"] = f"/api/clients/{entry.client_id}/notes/{entry.object_id}"
        elif entry.object_type in OBJECT_LINKS:
            row["link"] = OBJECT_LINKS[entry.object_type].format(id=entry.object_id)
    return row


async def timeline(
    session: AsyncSession,
    *,
    principal: Principal,
    client_id: int,
    cursor: str | None,
    limit: int,
    categories: Sequence[str] = (),
) -> dict[str, Any]:
    """A client's timeline, newest first, one keyset page, of the given categories or all."""
    account = await account_of(session, principal)
    client = await load_any_client(session, principal=principal, client_id=client_id)
    after = decode_cursor(cursor) if cursor else None
    rows = await repository.timeline_page(
        session, account_id=principal.account_id, client_id=client.id, after=after, limit=limit, categories=categories
    )
    more = len(rows) > limit
    rows = rows[:limit]
    order = account.name_order
    items = [timeline_row(r.entry, other_name=name_of(r.about, order) if r.about else None) for r in rows]
    return {
        "items": items,
        "next_cursor": encode_cursor(rows[-1].entry.occurred_at, rows[-1].entry.id) if more else None,
    }


async def add_entries(session: AsyncSession, entries: Sequence[NewEntry]) -> None:
    """Write entries; one already written for the same event and client is kept as it is."""
    await repository.add_entries(session, entries)


async def add_own_entry(
    session: AsyncSession,
    *,
    client: Client,
    event: Event,
    text: str,
    object_type: str = "client",
    object_id: int | None = None,
    about_client_id: int | None = None,
) -> None:
    """Write the timeline entry of an event this service just published about the client."""
    await repository.add_entries(
        session,
        [
            NewEntry(
                account_id=client.account_id,
                client_id=client.id,
                occurred_at=event.occurred_at,
                kind=event.type,
                text=text,
                object_type=object_type,
                object_id=client.id if object_id is None else object_id,
                amount_cents=None,
                source_event_id=event.event_id,
                about_client_id=about_client_id,
            )
        ],
    )


async def move_object_entries(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    object_type: str,
    object_id: int,
    text: str,
    occurred_at: datetime,
) -> None:
    """Replace the text and date of a client's entries about one object (an edited note)."""
    await repository.move_object_entries(
        session,
        account_id=account_id,
        client_id=client_id,
        object_type=object_type,
        object_id=object_id,
        text=text,
        occurred_at=occurred_at,
    )


async def delete_object_entries(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, object_type: str, object_id: int
) -> None:
    """Remove a client's entries about one object (a deleted note)."""
    await repository.delete_object_entries(
        session, account_id=account_id, client_id=client_id, object_type=object_type, object_id=object_id
    )


async def rewrite_entries(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    kind: str,
    object_type: str,
    object_id: int,
    text: str,
    amount_cents: int | None,
) -> None:
    """Replace the text and amount of a client's entries of one kind about one object (facts learnt later)."""
    await repository.rewrite_entries(
        session,
        account_id=account_id,
        client_id=client_id,
        kind=kind,
        object_type=object_type,
        object_id=object_id,
        text=text,
        amount_cents=amount_cents,
    )
