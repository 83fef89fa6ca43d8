"""HTTP routes of saved searches (segments)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from services.clients.base.validation import DB_BIGINT_MAX
from services.clients.segments import service as segments
from services.clients.segments.schemas import SegmentCreate, SegmentRead, SegmentUpdate
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients/segments", tags=["segments"], route_class=IdempotentRoute)
SegmentId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Segment id")]


@router.get("", response_model=list[SegmentRead])
async def list_segments(principal: Reader, session: Transaction) -> Any:
    """The account's saved searches, by name."""
    return await segments.list_segments(session, principal=principal)


@router.post("", response_model=SegmentRead, status_code=status.HTTP_201_CREATED)
async def create_segment(body: SegmentCreate, principal: Staff, session: Transaction) -> Any:
    """Save a search by name; it is re-evaluated each time it is used (list, export, paper mailing)."""
    return await segments.create_segment(session, principal=principal, data=body)


@router.get("/{segment_id}", response_model=SegmentRead)
async def get_segment(segment_id: SegmentId, principal: Reader, session: Transaction) -> Any:
    """One saved search."""
    return await segments.get_segment(session, principal=principal, segment_id=segment_id)


@router.patch("/{segment_id}", response_model=SegmentRead)
async def update_segment(segment_id: SegmentId, body: SegmentUpdate, principal: Staff, session: Transaction) -> Any:
    """Rename a saved search or change what it searches."""
    return await segments.update_segment(session, principal=principal, segment_id=segment_id, data=body)


@router.delete("/{segment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_segment(segment_id: SegmentId, principal: Staff, session: Transaction) -> None:
    """Delete a saved search."""
    await segments.delete_segment(session, principal=principal, segment_id=segment_id)
