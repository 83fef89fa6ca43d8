"""Bearer JWT authentication: every request names its account (tenant) and user."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Unauthorized

ALGORITHM = "HS256"
_bearer = HTTPBearer(auto_error=False, description="JWT naming the account and the user")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the account every row is scoped to, and the user acting."""

    account_id: uuid.UUID
    user_id: str


def issue_token(
    *,
    secret: str,
    account_id: uuid.UUID,
    user_id: str,
    issuer: str = "negoce",
    ttl_seconds: int | None = None,
) -> str:
    """Sign a token for a user of an account (no expiry unless a TTL is given)."""
    now = int(time.time())
    claims: dict[str, object] = {"sub": user_id, "account_id": str(account_id), "iss": issuer, "iat": now}
    if ttl_seconds is not None:
        claims["exp"] = now + ttl_seconds
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(token: str, *, secret: str, issuer: str = "negoce") -> Principal:
    """Check signature, issuer and expiry, and return the principal; Unauthorized otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": ["sub", "account_id", "iss"]},
        )
        return Principal(account_id=uuid.UUID(str(claims["account_id"])), user_id=str(claims["sub"]))
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized(f"Invalid bearer token: {exc}") from exc


async def current_principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    """FastAPI dependency: the verified principal of the request, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer token is required.")
    settings = request.app.state.settings
    return verify_token(credentials.credentials, secret=settings.jwt_secret, issuer=settings.jwt_issuer)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
