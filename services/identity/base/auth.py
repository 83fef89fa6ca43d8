"""The caller of a request, from identity's own access and API tokens, and the role a route needs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.identity.base import repository
from services.identity.base.domain import Actor, lower_role, rank
from services.identity.base.http import caller_address
from services.identity.keys.service import published_key_set
from services.identity.models import User
from shared.db import Transaction
from shared.errors import Forbidden, Unauthorized
from shared.tokens import AccessClaims, verify_access_token

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/identity/sign-in, or an API token")


@dataclass(frozen=True, slots=True)
class Caller:
    """The signed-in user of a request, the role they act with now, and the API token they used if any."""

    user: User
    role: str
    api_token_id: uuid.UUID | None
    client_address: str

    @property
    def id(self) -> uuid.UUID:
        """The user's id."""
        return self.user.id

    @property
    def account_id(self) -> uuid.UUID:
        """The user's account."""
        return self.user.account_id

    @property
    def actor(self) -> Actor:
        """The caller as the audit trail records them."""
        return Actor(user_id=self.user.id, role=self.role, client_address=self.client_address)


async def _role_of(session: Transaction, *, claims: AccessClaims, user: User) -> tuple[str, uuid.UUID | None]:
    """The role a token acts with: the user's own for a sign-in; an API token's, while live, at most the user's."""
    if claims.session_id is not None:
        return user.role, None
    try:
        token_id = uuid.UUID(claims.token_id)
    except ValueError as exc:
        raise Unauthorized("This token is not one identity issued.") from exc
    token = await repository.get_api_token(session, token_id=token_id)
    if token is None or token.user_id != user.id:
        raise Unauthorized("This token is not one identity issued.")
    if token.revoked_at is not None or token.expires_at <= datetime.now(UTC):
        raise Unauthorized("This API token was revoked.")
    return lower_role(token.role, user.role), token.id


async def signed_in_user(
    request: Request, session: Transaction, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Caller:
    """The user a token names, still active in an open account, with the role they act with; 401 otherwise."""
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
    role, api_token_id = await _role_of(session, claims=claims, user=user)
    return Caller(user=user, role=role, api_token_id=api_token_id, client_address=caller_address(request))


SignedInUser = Annotated[Caller, Depends(signed_in_user)]


def role_at_least(role: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency giving the caller if the role they act with is at least ``role``; 403 otherwise."""

    # Security, not Depends: the role is the operation's security scope in the OpenAPI document, as in
    # every other service (shared/auth.py).
    async def allowed(caller: Caller = Security(signed_in_user, scopes=[role])) -> Caller:
        if rank(caller.role) < rank(role):
            raise Forbidden(f"This needs the {role} role; yours is {caller.role}.")
        return caller

    return allowed


Reader = Annotated[Caller, Depends(role_at_least("read_only"))]
"""Any signed-in role."""
Owner = Annotated[Caller, Depends(role_at_least("owner"))]
