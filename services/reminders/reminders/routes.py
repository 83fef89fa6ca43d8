"""HTTP routes of reminders: create, list, read, edit, reschedule, snooze, mark done, delete."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status

from services.reminders.reminders import service
from services.reminders.reminders.schemas import (
    ReminderCreate,
    ReminderEdit,
    ReminderPage,
    ReminderRead,
    Reschedule,
    Snooze,
)
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/reminders", tags=["reminders"], route_class=IdempotentRoute)
ReminderId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("", response_model=ReminderRead, status_code=status.HTTP_201_CREATED)
async def create(body: ReminderCreate, principal: Staff, session: Transaction) -> Any:
    """Create a reminder; 404 (field client_id) for an unknown client, 409 for a merged one; a past time fires now."""
    return await service.create_reminder(session, principal=principal, data=body)


@router.get("", response_model=ReminderPage)
async def list_reminders(
    principal: Reader,
    session: Transaction,
    status_: Annotated[Literal["due_today", "overdue", "upcoming", "done"] | None, Query(alias="status")] = None,
    client_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    assigned_user: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """Reminders in due order; overdue, due_today, upcoming: pending before, on, after today in the account's zone."""
    return await service.list_reminders(
        session,
        principal=principal,
        status=status_,
        client_id=client_id,
        assigned_user=assigned_user,
        cursor=cursor,
        limit=limit,
    )


@router.get("/{reminder_id}", response_model=ReminderRead)
async def get(reminder_id: ReminderId, principal: Reader, session: Transaction) -> Any:
    """One reminder."""
    return await service.get_reminder(session, principal=principal, reminder_id=reminder_id)


@router.patch("/{reminder_id}", response_model=ReminderRead)
async def edit(reminder_id: ReminderId, body: ReminderEdit, principal: Staff, session: Transaction) -> Any:
    """Change a pending reminder's text, assignee or due time (409 once done)."""
    return await service.edit_reminder(session, principal=principal, reminder_id=reminder_id, data=body)


@router.post("/{reminder_id}/reschedule", response_model=ReminderRead)
async def reschedule(reminder_id: ReminderId, body: Reschedule, principal: Staff, session: Transaction) -> Any:
    """Move a pending reminder to a new due time; it fires again then."""
    return await service.reschedule(session, principal=principal, reminder_id=reminder_id, due_at=body.due_at)


@router.post("/{reminder_id}/snooze", response_model=ReminderRead)
async def snooze(reminder_id: ReminderId, body: Snooze, principal: Staff, session: Transaction) -> Any:
    """Remind again in the given minutes (15 by default)."""
    return await service.snooze(session, principal=principal, reminder_id=reminder_id, minutes=body.minutes)


@router.post("/{reminder_id}/done", response_model=ReminderRead)
async def done(reminder_id: ReminderId, principal: Staff, session: Transaction) -> Any:
    """Mark a reminder done (409 if it already is)."""
    return await service.mark_done(session, principal=principal, reminder_id=reminder_id)


@router.delete("/{reminder_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(reminder_id: ReminderId, principal: Staff, session: Transaction) -> Response:
    """Delete a reminder and its notifications."""
    await service.delete_reminder(session, principal=principal, reminder_id=reminder_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
