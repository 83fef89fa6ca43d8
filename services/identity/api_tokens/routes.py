"""HTTP routes of API tokens (owners only): issue, list, revoke."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.status import HTTP_201_CREATED

from services.identity.api_tokens import service
from services.identity.api_tokens.schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenRead
from services.identity.base.auth import Owner
from services.identity.base.problems import problem_answers
from shared.db import Transaction

router = APIRouter(prefix="/api/identity", tags=["api tokens"])
OWNERS_ONLY = problem_answers({403: "Only an owner manages API tokens"})


@router.post("/api-tokens", response_model=ApiTokenCreated, status_code=HTTP_201_CREATED, responses=OWNERS_ONLY)
async def issue_api_token(body: ApiTokenCreate, owner: Owner, request: Request, session: Transaction) -> Any:
    """Make an API token for an integration: it acts as you with the role given; shown once."""
    settings = request.app.state.settings
    expires_at = service.expiry(
        settings=settings, expires_at=body.expires_at, ttl_days=body.ttl_days, now=datetime.now(UTC)
    )
    return await service.issue_api_token(
        session,
        settings=settings,
        creator=owner.user,
        creator_role=owner.role,
        name=body.name,
        role=body.role,
        expires_at=expires_at,
        actor=owner.actor,
    )


@router.get("/api-tokens", response_model=list[ApiTokenRead], responses=OWNERS_ONLY)
async def list_api_tokens(owner: Owner, session: Transaction) -> Any:
    """The account's API tokens, newest first; never the tokens themselves."""
    return await service.list_api_tokens(session, account_id=owner.account_id)


@router.post("/api-tokens/{token_id}/revoke", response_model=ApiTokenRead, responses=OWNERS_ONLY)
async def revoke_api_token(token_id: uuid.UUID, owner: Owner, session: Transaction) -> Any:
    """Revoke an API token: every service refuses it from then on."""
    return await service.revoke_api_token(session, account_id=owner.account_id, token_id=token_id, actor=owner.actor)


@router.delete("/api-tokens/{token_id}", response_model=ApiTokenRead, responses=OWNERS_ONLY)
async def delete_api_token(token_id: uuid.UUID, owner: Owner, session: Transaction) -> Any:
    """Revoke an API token (the same as POST .../revoke; it stays listed, revoked)."""
    return await service.revoke_api_token(session, account_id=owner.account_id, token_id=token_id, actor=owner.actor)
