"""HTTP routes of users: list, invite, change, disable, and accepting an invitation."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.status import HTTP_201_CREATED

from services.identity.base.auth import Owner, Reader
from services.identity.base.problems import problem_answers
from services.identity.users import service
from services.identity.users.schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationCreated,
    OwnPreferences,
    UserRead,
    UserUpdate,
)
from shared.db import Transaction

router = APIRouter(prefix="/api/identity", tags=["users"])
OWNERS_ONLY = problem_answers({403: "Only an owner manages users"})


@router.get("/users", response_model=list[UserRead])
async def list_users(user: Reader, session: Transaction) -> Any:
    """The users of the signed-in user's account."""
    return await service.list_users(session, account_id=user.account_id)


@router.post("/invitations", response_model=InvitationCreated, status_code=HTTP_201_CREATED, responses=OWNERS_ONLY)
async def invite(body: InvitationCreate, owner: Owner, request: Request, session: Transaction) -> Any:
    """Invite someone to the account with a role; they are e-mailed the link (409 when the address is already used)."""
    return await service.invite_user(
        session, settings=request.app.state.settings, account_id=owner.account_id, data=body, actor=owner.actor
    )


@router.post(
    "/invitations/accept",
    response_model=UserRead,
    responses=problem_answers(
        {
            401: "Never: the invitation's token is the credential",
            410: "The invitation has expired, or its user was disabled",
        }
    ),
)
async def accept_invitation(body: InvitationAccept, request: Request, session: Transaction) -> Any:
    """Accept an invitation by choosing a password (once; 409 if already accepted, 410 once expired)."""
    return await service.accept_invitation(
        session, settings=request.app.state.settings, token=body.token, password=body.password
    )


# Before /users/{user_id}, which would take "me" for an id and refuse it.
@router.patch("/users/me", response_model=UserRead)
async def update_own_preferences(body: OwnPreferences, user: Reader, session: Transaction) -> Any:
    """Change your own preferences: the language the web console speaks to you."""
    return await service.set_own_preferences(session, account_id=user.account_id, user_id=user.id, data=body)


@router.patch("/users/{user_id}", response_model=UserRead, responses=OWNERS_ONLY)
async def update_user(user_id: uuid.UUID, body: UserUpdate, owner: Owner, session: Transaction) -> Any:
    """Change a user's name or role."""
    return await service.update_user(session, account_id=owner.account_id, user_id=user_id, data=body, by=owner.actor)


@router.post("/users/{user_id}/disable", response_model=UserRead, responses=OWNERS_ONLY)
async def disable_user(user_id: uuid.UUID, owner: Owner, session: Transaction) -> Any:
    """Disable a user: they cannot sign in any more and their sessions end."""
    return await service.disable_user(session, account_id=owner.account_id, user_id=user_id, by=owner.actor)
