"""HTTP routes of a client's notes: comments, calls and meetings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.notes import service
from services.clients.notes.schemas import NoteCreate, NotePage, NoteRead, NoteUpdate
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients/{client_id}/notes", tags=["client notes"], route_class=IdempotentRoute)
ClientId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Client id")]
NoteId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Note id")]


@router.post("", response_model=NoteRead, status_code=status.HTTP_201_CREATED)
async def add_note(client_id: ClientId, body: NoteCreate, principal: Staff, session: Transaction) -> Any:
    """Note a comment, a call or a meeting; it shows on the timeline at its date."""
    return await service.add_note(session, principal=principal, client_id=client_id, data=body)


@router.get("", response_model=NotePage)
async def list_notes(
    client_id: ClientId,
    principal: Reader,
    session: Transaction,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """The client's notes, newest first."""
    return await service.list_notes(session, principal=principal, client_id=client_id, limit=limit)


@router.get("/{note_id}", response_model=NoteRead)
async def get_note(client_id: ClientId, note_id: NoteId, principal: Reader, session: Transaction) -> Any:
    """One note."""
    return await service.get_note(session, principal=principal, client_id=client_id, note_id=note_id)


@router.patch("/{note_id}", response_model=NoteRead)
async def update_note(
    client_id: ClientId, note_id: NoteId, body: NoteUpdate, principal: Staff, session: Transaction
) -> Any:
    """Change a note's kind, date or text."""
    return await service.update_note(session, principal=principal, client_id=client_id, note_id=note_id, data=body)


@router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_note(client_id: ClientId, note_id: NoteId, principal: Staff, session: Transaction) -> None:
    """Delete a note and its timeline line."""
    await service.delete_note(session, principal=principal, client_id=client_id, note_id=note_id)
