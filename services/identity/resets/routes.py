"""HTTP routes of password resets: ask for a link, choose a new password with it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.status import HTTP_202_ACCEPTED

from services.identity.base.http import caller_address
from services.identity.base.problems import answer, problem_answers
from services.identity.resets import service
from services.identity.resets.schemas import PasswordResetConfirm, PasswordResetRequestBody, PasswordResetRequested
from services.identity.users.schemas import UserRead
from shared.db import Transaction
from shared.errors import TooManyAttempts

router = APIRouter(prefix="/api/identity", tags=["password resets"])


@router.post(
    "/password-reset",
    response_model=PasswordResetRequested,
    status_code=HTTP_202_ACCEPTED,
    responses=problem_answers(
        {
            401: "Never: asking for a link needs no token",
            429: "Too many reset requests for this e-mail address or from this client address; see Retry-After",
        }
    ),
)
async def request_password_reset(body: PasswordResetRequestBody, request: Request, session: Transaction) -> Any:
    """Ask for a password-reset link by e-mail: the same 202 whether the address has an account or not."""
    try:
        return await service.request_reset(
            session, settings=request.app.state.settings, email=str(body.email), client_address=caller_address(request)
        )
    except TooManyAttempts as refused:
        return answer(refused, request)


@router.post(
    "/password-reset/confirm",
    response_model=UserRead,
    responses=problem_answers(
        {
            401: "Never: the reset link's token is the credential",
            409: "The link was already used",
            410: "The link has expired, or its user was disabled",
        }
    ),
)
async def confirm_password_reset(body: PasswordResetConfirm, request: Request, session: Transaction) -> Any:
    """Choose a new password with a reset link's token (once, within the hour); the user's sessions end."""
    return await service.confirm_reset(
        session,
        settings=request.app.state.settings,
        token=body.token,
        password=body.password,
        client_address=caller_address(request),
    )
