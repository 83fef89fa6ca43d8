"""Who is calling and what their role lets them do, from identity's access tokens.

A service verifies a bearer token with identity's published keys (shared/tokens.py), then checks
it against its copy of identity's accounts, users and revocations (shared/access/guard.py). Each
route states the least role it needs with one of ``Reader``, ``Staff``, ``Manager`` or ``Owner``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.access.guard import AccessGuard
from shared.client_address import client_address
from shared.errors import Forbidden, Unauthorized
from shared.tokens import PublishedKeys, role_rank

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/identity/sign-in, or an API token")
rank = role_rank


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the account every row is scoped to, the user acting, their role and address.

    Work done by the system itself (seeding the demo, the command line) acts as an owner.
    """

    account_id: uuid.UUID
    user_id: str
    role: str = "owner"
    client_address: str | None = None
    # As identity announced it; None until it has (or for the system).
    user_name: str | None = None

    @property
    def display_name(self) -> str:
        """How texts written for people (the timeline) name the user: their name, else their id."""
        return self.user_name or self.user_id


@dataclass(frozen=True)
class ServiceAccess:
    """What a service checks tokens with: identity's published keys and its copy of who may still call."""

    keys: PublishedKeys
    guard: AccessGuard


async def current_principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    """FastAPI dependency: the verified principal of the request, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer token is required.")
    access: ServiceAccess = request.app.state.access
    claims = await access.keys.verify(credentials.credentials)
    user_name = await access.guard.check(claims)
    return Principal(
        user_name=user_name,
        account_id=claims.account_id,
        user_id=str(claims.user_id),
        role=claims.role,
        client_address=client_address(request, trusted_proxies=request.app.state.settings.trusted_proxies),
    )


def requires(role: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency giving the principal when their role is at least ``role``; 403 otherwise."""

    # Security, not Depends: the role becomes the operation's security requirement in the OpenAPI
    # document ({"HTTPBearer": ["staff"]}), which OpenAPI 3.1 allows for naming the roles it needs.
    async def principal_with_role(principal: Principal = Security(current_principal, scopes=[role])) -> Principal:
        if rank(principal.role) < rank(role):
            raise Forbidden(f"This needs the {role} role or higher; yours is {principal.role}.")
        return principal

    return principal_with_role


Reader = Annotated[Principal, Depends(requires("read_only"))]
"""Any signed-in role: reading."""
Staff = Annotated[Principal, Depends(requires("staff"))]
"""Work on clients, contacts, notes, orders, reminders and e-mails."""
Manager = Annotated[Principal, Depends(requires("manager"))]
"""Merge, delete, archive and block clients, export, print campaigns, manage label formats, catalogue and prices."""
Owner = Annotated[Principal, Depends(requires("owner"))]
"""Erase, manage users, roles, API tokens and account settings, read the audit trail."""

CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
"""The verified caller whatever their role: for machinery beside a route (idempotency), never for a route itself."""
