"""Use cases of signing keys: the active key, rotation, the published key set, signing access tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.keys import repository
from services.identity.keys.domain import new_key, private_key
from services.identity.models import SigningKey, User
from services.identity.settings import IdentitySettings
from shared.tokens import ALGORITHM, AUDIENCE, ISSUER

# Decrypted private keys by kid: decrypting costs a key derivation, signing happens at every sign-in.
_decrypted: dict[str, Ed25519PrivateKey] = {}
# A token may be checked a little after its expiry by a service whose clock runs behind.
CLOCK_MARGIN = timedelta(seconds=60)


async def active_key(session: AsyncSession, *, settings: IdentitySettings) -> SigningKey:
    """The key that signs now; the first one is made on first use."""
    key = await repository.active_key(session)
    if key is not None:
        return key
    await repository.lock_keys(session)
    # Another process may have made it while this one waited for the lock.
    key = await repository.active_key(session)
    if key is None:
        made = new_key(settings.key_passphrase)
        await repository.add_key(session, kid=made.kid, private_key=made.private_key, public_jwk=made.public_jwk)
        key = await repository.active_key(session)
    assert key is not None  # just added in this transaction
    return key


async def rotate_keys(session: AsyncSession, *, settings: IdentitySettings) -> str:
    """Add a new active key; the previous ones stop signing and stay published until their tokens expire."""
    await repository.lock_keys(session)
    made = new_key(settings.key_passphrase)
    await repository.add_key(session, kid=made.kid, private_key=made.private_key, public_jwk=made.public_jwk)
    now = datetime.now(UTC)
    await repository.retire_keys(
        session,
        except_kid=made.kid,
        now=now,
        published_until=now + timedelta(seconds=settings.access_token_seconds) + CLOCK_MARGIN,
    )
    # API tokens live up to a year: the keys that signed live ones stay published as long.
    await repository.keep_published_for_api_tokens(session, margin=CLOCK_MARGIN)
    return made.kid


async def published_key_set(session: AsyncSession, *, settings: IdentitySettings) -> dict[str, Any]:
    """The JWKS: the public keys of the active key and of the retired keys whose tokens may still be valid."""
    await active_key(session, settings=settings)
    keys = await repository.published_keys(session, now=datetime.now(UTC))
    return {"keys": [dict(key.public_jwk) for key in keys]}


async def _signed(session: AsyncSession, *, settings: IdentitySettings, claims: dict[str, Any]) -> tuple[str, str]:
    """Sign claims with the active key: the token and the kid that signed it."""
    key = await active_key(session, settings=settings)
    signer = _decrypted.get(key.kid)
    if signer is None:
        signer = _decrypted[key.kid] = private_key(key.private_key, settings.key_passphrase)
    return jwt.encode(claims, signer, algorithm=ALGORITHM, headers={"kid": key.kid}), key.kid


async def sign_access_token(
    session: AsyncSession, *, settings: IdentitySettings, user: User, session_id: uuid.UUID
) -> str:
    """An access token for a user (EdDSA, kid in the header), valid for the configured few minutes."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "account_id": str(user.account_id),
        "role": user.role,
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=settings.access_token_seconds)).timestamp()),
        "aud": AUDIENCE,
        "iss": ISSUER,
        "jti": str(uuid.uuid4()),
    }
    token, _ = await _signed(session, settings=settings, claims=claims)
    return token


async def sign_api_token(
    session: AsyncSession,
    *,
    settings: IdentitySettings,
    user: User,
    token_id: uuid.UUID,
    role: str,
    expires_at: datetime,
) -> tuple[str, str]:
    """An API token (an access token with ``typ: api``, its id as jti, no session) and the kid that signed it."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "account_id": str(user.account_id),
        "role": role,
        "typ": "api",
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "aud": AUDIENCE,
        "iss": ISSUER,
        "jti": str(token_id),
    }
    return await _signed(session, settings=settings, claims=claims)
