"""Use cases of a client's notes: each shows on the timeline at its date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.service import load_any_client, load_client, publish
from services.clients.models import ClientNote
from services.clients.notes import repository
from services.clients.notes.schemas import NoteCreate, NoteUpdate
from services.clients.timeline import service as timeline
from services.clients.timeline.domain import NewEntry, note_text
from shared.auth import Principal
from shared.errors import InvalidField, NotFound
from shared.events.clients import NoteAdded, NotePayload

NOTE_FIELDS = ("id", "client_id", "kind", "noted_at", "text", "by_user", "created_at", "updated_at")


def note_body(note: ClientNote) -> dict[str, Any]:
    """A note as the API shows it."""
    return {name: getattr(note, name) for name in NOTE_FIELDS}


async def add_note(session: AsyncSession, *, principal: Principal, client_id: int, data: NoteCreate) -> dict[str, Any]:
    """Note a comment, a call or a meeting on a live client; it joins the timeline."""
    # Locked, as every writer of the client's data: an erasure waits for this note, or this sees it.
    client = await load_client(session, principal=principal, client_id=client_id, for_update=True)
    now = datetime.now(UTC)
    note = ClientNote(
        account_id=principal.account_id,
        client_id=client.id,
        kind=data.kind,
        noted_at=(data.noted_at or now).astimezone(UTC),
        text=data.text,
        by_user=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(note)
    await session.flush()
    event = await publish(
        session,
        NoteAdded,
        account_id=principal.account_id,
        payload=NotePayload(
            note_id=note.id,
            client_id=client.id,
            kind=note.kind,
            noted_at=note.noted_at,
            text=note.text,
            by_user=note.by_user,
        ),
    )
    await timeline.add_entries(
        session,
        [
            NewEntry(
                account_id=principal.account_id,
                client_id=client.id,
                occurred_at=note.noted_at,
                kind=event.type,
                text=note_text(note.kind, note.text),
                object_type="note",
                object_id=note.id,
                amount_cents=None,
                source_event_id=event.event_id,
            )
        ],
    )
    return note_body(note)


async def list_notes(session: AsyncSession, *, principal: Principal, client_id: int, limit: int) -> dict[str, Any]:
    """A client's notes, newest first."""
    client = await load_any_client(session, principal=principal, client_id=client_id)
    notes = await repository.list_notes(session, account_id=principal.account_id, client_id=client.id, limit=limit)
    return {"items": [note_body(n) for n in notes]}


async def get_note(session: AsyncSession, *, principal: Principal, client_id: int, note_id: int) -> dict[str, Any]:
    """One note of a client."""
    return note_body(await _load(session, principal=principal, client_id=client_id, note_id=note_id))


async def update_note(
    session: AsyncSession, *, principal: Principal, client_id: int, note_id: int, data: NoteUpdate
) -> dict[str, Any]:
    """Change a note's kind, date or text; its timeline line follows."""
    note = await _load(session, principal=principal, client_id=client_id, note_id=note_id, live=True)
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is None:
            raise InvalidField(name, "may not be null")
        setattr(note, name, value.astimezone(UTC) if name == "noted_at" else value)
    note.updated_at = datetime.now(UTC)
    await session.flush()
    await timeline.move_object_entries(
        session,
        account_id=principal.account_id,
        client_id=note.client_id,
        object_type="note",
        object_id=note.id,
        text=note_text(note.kind, note.text),
        occurred_at=note.noted_at,
    )
    return note_body(note)


async def delete_note(session: AsyncSession, *, principal: Principal, client_id: int, note_id: int) -> None:
    """Remove a note and its timeline line."""
    note = await _load(session, principal=principal, client_id=client_id, note_id=note_id, live=True)
    await session.delete(note)
    await timeline.delete_object_entries(
        session, account_id=principal.account_id, client_id=note.client_id, object_type="note", object_id=note.id
    )


async def _load(
    session: AsyncSession, *, principal: Principal, client_id: int, note_id: int, live: bool = False
) -> ClientNote:
    client = await (
        load_client(session, principal=principal, client_id=client_id, for_update=True)
        if live
        else load_any_client(session, principal=principal, client_id=client_id)
    )
    note = await repository.get_note(session, account_id=principal.account_id, client_id=client.id, note_id=note_id)
    if note is None:
        raise NotFound(f"Note {note_id} of client {client_id} does not exist.")
    return note
