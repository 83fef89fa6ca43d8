"""shared/tokens.py: an access token verifies against the published keys, and every forgery is refused."""

import asyncio
import base64
import json
import time
import uuid

import jwt
import pytest

from services.identity.keys.domain import new_key, private_key
from shared.tokens import AccessClaims, InvalidToken, PublishedKeys, UnknownSigningKey, verify_access_token

PASSPHRASE = b"test passphrase of the signing keys"


@pytest.fixture(scope="module")
def keys():
    """Two key pairs: the published one and one the key set does not hold."""
    published, stranger = new_key(PASSPHRASE), new_key(PASSPHRASE)
    return {
        "jwks": {"keys": [published.public_jwk]},
        "kid": published.kid,
        "signer": private_key(published.private_key, PASSPHRASE),
        "stranger": private_key(stranger.private_key, PASSPHRASE),
        "stranger_kid": stranger.kid,
    }


def claims(**overrides):
    """Valid claims of an access token, with overrides (None removes a claim)."""
    now = int(time.time())
    base = {
        "sub": str(uuid.uuid4()),
        "account_id": str(uuid.uuid4()),
        "role": "staff",
        "sid": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 900,
        "aud": "negoce",
        "iss": "negoce-identity",
        "jti": str(uuid.uuid4()),
    }
    merged = {**base, **overrides}
    return {k: v for k, v in merged.items() if v is not None}


def signed(keys, *, kid=None, key=None, **overrides):
    """A token signed with EdDSA (by default with the published key, under its kid)."""
    return jwt.encode(
        claims(**overrides), key or keys["signer"], algorithm="EdDSA", headers={"kid": kid or keys["kid"]}
    )


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_token_signed_by_the_published_key_verifies_with_its_claims(keys):
    token_claims = claims(role="manager")
    token = jwt.encode(token_claims, keys["signer"], algorithm="EdDSA", headers={"kid": keys["kid"]})
    verified = verify_access_token(token, jwks=keys["jwks"])
    assert str(verified.user_id) == token_claims["sub"] and str(verified.account_id) == token_claims["account_id"]
    assert verified.role == "manager" and verified.token_id == token_claims["jti"] and verified.key_id == keys["kid"]


def test_a_forged_signature_is_refused(keys):
    header, _claims, signature = signed(keys).split(".")
    tampered_payload = b64({**claims(), "role": "owner"})
    with pytest.raises(InvalidToken, match="Signature"):
        verify_access_token(f"{header}.{tampered_payload}.{signature}", jwks=keys["jwks"])
    # Signed by another key while naming the published key's kid.
    with pytest.raises(InvalidToken):
        verify_access_token(signed(keys, key=keys["stranger"]), jwks=keys["jwks"])


def test_alg_none_and_hs256_are_refused_whatever_they_claim(keys):
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': keys['kid']})}.{b64(claims())}."
    with pytest.raises(InvalidToken, match="EdDSA"):
        verify_access_token(unsigned, jwks=keys["jwks"])
    # The classic confusion: the public key's text used as an HMAC secret.
    hs256 = jwt.encode(claims(), keys["jwks"]["keys"][0]["x"], algorithm="HS256", headers={"kid": keys["kid"]})
    with pytest.raises(InvalidToken, match="EdDSA"):
        verify_access_token(hs256, jwks=keys["jwks"])


def test_an_unknown_kid_is_refused_as_unknown_so_a_service_can_fetch_the_keys_again(keys):
    with pytest.raises(UnknownSigningKey):
        verify_access_token(signed(keys, kid=keys["stranger_kid"], key=keys["stranger"]), jwks=keys["jwks"])
    no_kid = jwt.encode(claims(), keys["signer"], algorithm="EdDSA")
    with pytest.raises(InvalidToken, match="kid"):
        verify_access_token(no_kid, jwks=keys["jwks"])


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "someone-else"}, "(?i)audience"),
        ({"iss": "negoce"}, "issuer"),
        ({"exp": int(time.time()) - 5}, "expired"),
        ({"role": "admin"}, "role"),
        ({"exp": None}, "exp"),
        ({"account_id": None}, "account_id"),
        ({"jti": None}, "jti"),
        ({"sub": "not-a-uuid"}, "UUID"),
    ],
)
def test_wrong_audience_issuer_expired_or_missing_claims_are_refused(keys, overrides, reason):
    with pytest.raises(InvalidToken, match=reason):
        verify_access_token(signed(keys, **overrides), jwks=keys["jwks"])


def test_garbage_and_keys_of_another_kind_are_refused(keys):
    with pytest.raises(InvalidToken):
        verify_access_token("not.a.token", jwks=keys["jwks"])
    rsa_like = {"keys": [{"kty": "RSA", "kid": keys["kid"], "n": "AQAB", "e": "AQAB"}]}
    with pytest.raises(InvalidToken, match="Ed25519"):
        verify_access_token(signed(keys), jwks=rsa_like)


def test_a_published_key_carries_no_private_part(keys):
    (jwk,) = keys["jwks"]["keys"]
    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class KeyServer:
    """Answers key-set fetches with what it publishes now, counting them; can be made to fail."""

    def __init__(self, jwks) -> None:
        self.jwks, self.fetches, self.down = jwks, 0, False

    async def __call__(self):
        self.fetches += 1
        if self.down:
            raise ConnectionError("identity is down")
        return self.jwks


async def test_published_keys_are_cached_and_fetched_again_when_stale(keys):
    server, clock = KeyServer(keys["jwks"]), FakeClock()
    cache = PublishedKeys(server, max_age_seconds=300, clock=clock)
    for _ in range(3):
        await cache.verify(signed(keys))
    assert server.fetches == 1
    clock.now += 301
    await cache.verify(signed(keys))
    assert server.fetches == 2


async def test_an_unknown_kid_fetches_the_keys_at_once_but_not_at_every_request(keys):
    server, clock = KeyServer(keys["jwks"]), FakeClock()
    cache = PublishedKeys(server, min_refetch_seconds=5, clock=clock)
    await cache.verify(signed(keys))
    clock.now += 10
    # Identity rotated: the stranger key is now published too.
    stranger_jwk = {**keys["jwks"]["keys"][0], "kid": keys["stranger_kid"]}
    stranger_jwk["x"] = _public_x(keys["stranger"])
    server.jwks = {"keys": [*keys["jwks"]["keys"], stranger_jwk]}
    rotated = signed(keys, kid=keys["stranger_kid"], key=keys["stranger"])
    assert (await cache.verify(rotated)).key_id == keys["stranger_kid"]
    assert server.fetches == 2
    made_up = signed(keys, kid="made-up", key=keys["stranger"])
    for _ in range(3):
        with pytest.raises(UnknownSigningKey):
            await cache.verify(made_up)
    assert server.fetches == 2  # fetched moments ago: not again


async def test_while_identity_is_down_the_known_keys_keep_working(keys):
    server, clock = KeyServer(keys["jwks"]), FakeClock()
    cache = PublishedKeys(server, max_age_seconds=300, clock=clock)
    await cache.verify(signed(keys))
    server.down = True
    clock.now += 301
    assert (await cache.verify(signed(keys))).key_id == keys["kid"]
    fresh = PublishedKeys(server, clock=clock)
    with pytest.raises(ConnectionError):
        await fresh.verify(signed(keys))  # nothing known yet: the caller answers 503


def _public_x(private) -> str:
    from services.identity.keys.domain import public_jwk

    return public_jwk(private)["x"]


async def test_a_token_verified_once_is_remembered_until_it_expires_and_only_by_its_exact_text(keys, monkeypatch):
    server = KeyServer(keys["jwks"])
    cache = PublishedKeys(server, remembered_tokens=2)
    short = signed(keys, exp=int(time.time()) + 2)
    first = await cache.verify(short)
    checks: list[str] = []

    def counted(token: str, **_: object) -> AccessClaims:
        checks.append(token)
        return first

    monkeypatch.setattr("shared.tokens.verify_access_token", counted)
    assert await cache.verify(short) is first and checks == []  # remembered: no second signature check
    # One character changed is another text: checked again (here by the stand-in, which counts it).
    await cache.verify(short[:-2] + ("A" if short[-2] != "A" else "B") + short[-1])
    assert len(checks) == 1
    monkeypatch.undo()
    await asyncio.sleep(2.1)
    with pytest.raises(InvalidToken, match="expired"):
        await cache.verify(short)  # remembered, but past its exp: verified again, and refused
    for _ in range(3):  # the bound: older ones leave first
        await cache.verify(signed(keys))
    assert len(cache._verified) == 2
