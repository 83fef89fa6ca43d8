"""HTTP routes of merging clients and finding probable duplicates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.clients.merging import service
from services.clients.merging.domain import Reason
from services.clients.merging.schemas import DuplicateGroups, MergePreview, MergeRequest, MergeResult
from shared.auth import Manager, Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute, changes_nothing

router = APIRouter(prefix="/api/clients", tags=["merge"], route_class=IdempotentRoute)


@router.get("/duplicates", response_model=DuplicateGroups)
async def find_duplicates(
    principal: Reader,
    session: Transaction,
    by: Annotated[list[Reason] | None, Query(description="email, phone or name_postal_code (repeatable)")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Groups per reason")] = 50,
) -> Any:
    """Groups of probable duplicates: same e-mail, same phone, or same name and postal code."""
    return await service.duplicate_groups(session, principal=principal, reasons=by or [], limit=limit)


@router.post("/merge/preview", response_model=MergePreview)
@changes_nothing
async def preview_merge(body: MergeRequest, principal: Manager, session: Transaction) -> Any:
    """Field by field, what merging would keep, fill in or find in conflict, and what it would move."""
    return await service.preview_merge(session, principal=principal, request=body)


@router.post("/merge", response_model=MergeResult)
async def merge_clients(body: MergeRequest, principal: Manager, session: Transaction) -> Any:
    """Merge one client into another; every service follows client.merged. Repeating it changes nothing."""
    return await service.merge_clients(session, principal=principal, request=body)
