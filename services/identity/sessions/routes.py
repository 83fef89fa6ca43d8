"""HTTP routes of sessions: sign in, refresh, sign out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.status import HTTP_204_NO_CONTENT

from services.identity.base.http import caller_address, client_address
from services.identity.base.problems import answer, problem_answers
from services.identity.sessions import service
from services.identity.sessions.schemas import RefreshTokenBody, SignIn, Tokens
from shared.db import Transaction
from shared.errors import TooManyAttempts

router = APIRouter(prefix="/api/identity", tags=["sessions"])


@router.post(
    "/sign-in",
    response_model=Tokens,
    responses=problem_answers(
        {
            401: "Wrong e-mail address or password (the same answer for an unknown address)",
            429: "Too many failed sign-ins for this e-mail address or from this client address; see Retry-After",
            503: "The identity database cannot be reached; retry shortly",
        }
    ),
)
async def sign_in(body: SignIn, request: Request, session: Transaction) -> Any:
    """Sign in with an e-mail address and a password: an access token and a refresh token."""
    settings = request.app.state.settings
    try:
        return await service.sign_in(
            session,
            settings=settings,
            email=body.email,
            password=body.password,
            client_address=client_address(request, trusted_proxies=settings.trusted_proxies),
        )
    except (service.WrongCredentials, TooManyAttempts) as refused:
        # Answered, not raised, so that the request's transaction commits the failure it recorded.
        return answer(refused, request)


@router.post(
    "/refresh",
    response_model=Tokens,
    responses=problem_answers(
        {
            401: "Unknown, spent, revoked or expired refresh token (a spent one revokes its session)",
            409: "The refresh token was spent a moment ago by another request (another tab): use that one's tokens",
        }
    ),
)
async def refresh(body: RefreshTokenBody, request: Request, session: Transaction) -> Any:
    """Spend a refresh token for a new access token and the next refresh token."""
    try:
        return await service.refresh(session, settings=request.app.state.settings, refresh_token=body.refresh_token)
    except service.RefreshRefused as refused:
        # Answered, not raised: the revocation of a reused token's session must be committed.
        return answer(refused, request)


@router.post(
    "/sign-out",
    status_code=HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_answers({401: "Never for a refresh token: an unknown or ended session is simply left ended"}),
)
async def sign_out(body: RefreshTokenBody, request: Request, session: Transaction) -> Response:
    """Sign out: the session of this refresh token ends, its refresh tokens stop working."""
    await service.sign_out(session, refresh_token=body.refresh_token, client_address=caller_address(request))
    return Response(status_code=HTTP_204_NO_CONTENT)
