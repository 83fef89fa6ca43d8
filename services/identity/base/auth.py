"""The signed-in user of a request, from identity's own access tokens, and the role a route needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.identity.base import repository
from services.identity.base.domain import rank
from services.identity.keys.service import published_key_set
from services.identity.models import User
from shared.db import Transaction
from shared.errors import Forbidden, Unauthorized
from shared.tokens import verify_access_token

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/identity/sign-in")


async def signed_in_user(
    request: Request, session: Transaction, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> User:
    """The user an access token names, still active in an open account; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer token is required.")
    keys = await published_key_set(session, settings=request.app.state.settings)
    claims = verify_access_token(credentials.credentials, jwks=keys)
    user = await repository.get_user(session, user_id=claims.user_id)
    account = await repository.get_account(session, account_id=claims.account_id)
    if user is None or user.account_id != claims.account_id or user.disabled_at is not None:
        raise Unauthorized("This user can no longer use the API.")
    if account is None or account.closed_at is not None:
        raise Unauthorized("This account is closed.")
    return user


SignedInUser = Annotated[User, Depends(signed_in_user)]


def role_at_least(role: str) -> Callable[..., Awaitable[User]]:
    """A dependency giving the signed-in user if their role is at least ``role``; 403 otherwise."""

    async def allowed(user: SignedInUser) -> User:
        if rank(user.role) < rank(role):
            raise Forbidden(f"This needs the {role} role; yours is {user.role}.")
        return user

    return allowed


Owner = Annotated[User, Depends(role_at_least("owner"))]
