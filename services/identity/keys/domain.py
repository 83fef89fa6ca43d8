"""Key pairs and their public JWKs, pure: no database."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.tokens import ALGORITHM


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class NewKey:
    """A fresh key pair: its id, its encrypted private half and its public JWK."""

    kid: str
    private_key: bytes
    public_jwk: dict[str, str]


def public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    """The public half as an OKP JWK whose kid is its RFC 7638 thumbprint."""
    x = _b64url(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    # RFC 7638: the required members, sorted, without whitespace.
    thumbprint = hashlib.sha256(json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":")).encode())
    kid = _b64url(thumbprint.digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def new_key(passphrase: bytes) -> NewKey:
    """Generate an Ed25519 pair; the private half is PKCS#8, encrypted with the passphrase."""
    key = Ed25519PrivateKey.generate()
    jwk = public_jwk(key)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    return NewKey(kid=jwk["kid"], private_key=encrypted, public_jwk=jwk)


def private_key(encrypted: bytes, passphrase: bytes) -> Ed25519PrivateKey:
    """Decrypt a stored private key."""
    key = serialization.load_pem_private_key(encrypted, password=passphrase)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("a stored signing key is not an Ed25519 key")
    return key
