"""Access tokens signed by the identity service (EdDSA), checked against its published keys (JWKS).

Nothing here signs: a service holding only the public keys can verify a token. The algorithm is
pinned to EdDSA before the key is chosen, so a token claiming ``alg: none`` or ``HS256`` (signed
with, say, a public key taken for an HMAC secret) is refused whatever the key set holds.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.errors import Unauthorized

log = logging.getLogger(__name__)
ALGORITHM = "EdDSA"
AUDIENCE = "negoce"
ISSUER = "negoce-identity"
ROLES = ("owner", "manager", "staff", "read_only")
# Higher ranks may do everything lower ranks may.
ROLE_RANK = {role: len(ROLES) - position for position, role in enumerate(ROLES)}


def role_rank(role: str) -> int:
    """How much a role may do: owner 4, manager 3, staff 2, read_only 1 (0 for anything else)."""
    return ROLE_RANK.get(role, 0)


REQUIRED_CLAIMS = ("sub", "account_id", "role", "exp", "iat", "aud", "iss", "jti")


class InvalidToken(Unauthorized):
    """The bearer token is not one the identity service signed for this audience, or it expired."""


class UnknownSigningKey(InvalidToken):
    """The token names a key (kid) the key set does not hold: fetch the keys again, then refuse."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says: who, in which account, with which role, until when."""

    user_id: uuid.UUID
    account_id: uuid.UUID
    role: str
    token_id: str
    session_id: uuid.UUID | None
    issued_at: int
    expires_at: datetime
    key_id: str
    # An API token for an integration carries "typ": "api"; its jti is the API token's id.
    is_api_token: bool = False

    @property
    def token_uuid(self) -> uuid.UUID | None:
        """The jti as a UUID (an API token's id is its jti, which revokes it), or None if it is not one."""
        try:
            return uuid.UUID(self.token_id)
        except ValueError:
            return None


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_of(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """The Ed25519 public key of an OKP JWK; InvalidToken for any other kind of key."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise InvalidToken("The signing key is not an Ed25519 key.")
    try:
        return Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
    except ValueError as exc:
        raise InvalidToken("The signing key is malformed.") from exc


def key_id_of(token: str) -> str:
    """The kid of a token's header, checking that it claims EdDSA (and nothing else) first."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"Invalid bearer token: {exc}") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"Invalid bearer token: the algorithm must be {ALGORITHM}.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("Invalid bearer token: no key id (kid) in its header.")
    return kid


def verify_access_token(
    token: str,
    *,
    jwks: Mapping[str, Any],
    audience: str = AUDIENCE,
    issuer: str = ISSUER,
    leeway_seconds: float = 0,
) -> AccessClaims:
    """Check a token's algorithm, key, signature, audience, issuer, expiry and claims; InvalidToken otherwise."""
    kid = key_id_of(token)
    jwk = next((k for k in jwks.get("keys", ()) if isinstance(k, Mapping) and k.get("kid") == kid), None)
    if jwk is None:
        raise UnknownSigningKey(f"Invalid bearer token: unknown signing key {kid!r}.")
    if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("use", "sig") != "sig":
        raise InvalidToken("Invalid bearer token: its key is not an EdDSA signing key.")
    try:
        claims = jwt.decode(
            token,
            public_key_of(jwk),
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=leeway_seconds,
            options={"require": list(REQUIRED_CLAIMS)},
        )
        role = str(claims["role"])
        if role not in ROLES:
            raise InvalidToken(f"Invalid bearer token: unknown role {role!r}.")
        return AccessClaims(
            user_id=uuid.UUID(str(claims["sub"])),
            account_id=uuid.UUID(str(claims["account_id"])),
            role=role,
            token_id=str(claims["jti"]),
            session_id=uuid.UUID(str(claims["sid"])) if claims.get("sid") else None,
            issued_at=int(claims["iat"]),
            is_api_token=claims.get("typ") == "api",
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            key_id=kid,
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(f"Invalid bearer token: {exc}") from exc


# Fetches the identity service's key set (GET /api/identity/.well-known/jwks.json).
FetchKeySet = Callable[[], Awaitable[Mapping[str, Any]]]


class PublishedKeys:
    """The identity service's public keys as a verifying service keeps them.

    Fetched on first use and again once ``max_age_seconds`` old; a token naming a key not in the
    set (identity just rotated) fetches them at once, at most every ``min_refetch_seconds`` so that
    made-up kids cannot flood identity. A failed fetch keeps the keys already known: while identity
    is down, the tokens it issued keep working.
    """

    def __init__(
        self,
        fetch: FetchKeySet,
        *,
        max_age_seconds: float = 300,
        min_refetch_seconds: float = 5,
        clock: Callable[[], float] = time.monotonic,
        remembered_tokens: int = 10_000,
    ) -> None:
        self._fetch, self._clock = fetch, clock
        self._max_age, self._min_refetch = max_age_seconds, min_refetch_seconds
        self._keys: Mapping[str, Any] | None = None
        self._fetched_at = -math.inf
        self._lock = asyncio.Lock()
        # A client sends the same access token for up to 15 minutes: its signature, checked once, is
        # remembered by the exact token text until it expires (least recently used ones leave first).
        # Revocation is not a property of the text and is checked at every request (access guard).
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._remembered = remembered_tokens

    async def _refreshed(self, *, older_than: float) -> Mapping[str, Any]:
        async with self._lock:
            # Another request may have fetched them while this one waited.
            if self._keys is None or self._clock() - self._fetched_at >= older_than:
                try:
                    self._keys, self._fetched_at = await self._fetch(), self._clock()
                except Exception:
                    if self._keys is None:
                        raise
                    log.warning("the identity key set could not be fetched; keeping the known keys", exc_info=True)
                    self._fetched_at = self._clock()  # retried after min_refetch/max_age, not at every request
            assert self._keys is not None  # fetched above or raised
            return self._keys

    async def verify(self, token: str, *, audience: str = AUDIENCE, issuer: str = ISSUER) -> AccessClaims:
        """Verify an access token against the cached keys, fetching them again for an unknown kid."""
        remembered = self._verified.get(token)
        if remembered is not None and (audience, issuer) == (AUDIENCE, ISSUER):
            if remembered.expires_at.timestamp() > time.time():
                self._verified.move_to_end(token)
                return remembered
            del self._verified[token]
        keys = await self._refreshed(older_than=self._max_age)
        try:
            claims = verify_access_token(token, jwks=keys, audience=audience, issuer=issuer)
        except UnknownSigningKey:
            keys = await self._refreshed(older_than=self._min_refetch)
            claims = verify_access_token(token, jwks=keys, audience=audience, issuer=issuer)
        if (audience, issuer) == (AUDIENCE, ISSUER):
            self._verified[token] = claims
            if len(self._verified) > self._remembered:
                self._verified.popitem(last=False)
        return claims
