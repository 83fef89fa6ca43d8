"""HTTP route of the audit trail (owners only)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.identity.audit import service
from services.identity.audit.schemas import AuditPage
from services.identity.base.auth import Owner
from services.identity.base.problems import problem_answers
from shared.db import Transaction
from shared.schemas import INT8_MAX, Moment

router = APIRouter(prefix="/api/identity", tags=["audit"])


@router.get("/audit", response_model=AuditPage, responses=problem_answers({403: "Only an owner reads the trail"}))
async def audit_trail(
    owner: Owner,
    session: Transaction,
    user_id: Annotated[uuid.UUID | None, Query(description="Only this user's actions")] = None,
    action: Annotated[str | None, Query(min_length=1, max_length=100, description="e.g. user.disabled")] = None,
    since: Annotated[Moment | None, Query(alias="from", description="From this instant (included)")] = None,
    until: Annotated[Moment | None, Query(alias="to", description="Until this instant (excluded)")] = None,
    before: Annotated[int | None, Query(ge=1, le=INT8_MAX, description="Only lines older than this id")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The account's audit trail across the services, newest first, by pages; filters by user, action and time."""
    return await service.audit_page(
        session,
        account_id=owner.account_id,
        user_id=user_id,
        action=action,
        since=since,
        until=until,
        before=before,
        limit=limit,
    )
