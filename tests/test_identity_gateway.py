"""Identity behind the nginx gateway, as `make run` starts it: sign-in, keys, and the client's address."""

import httpx
import jwt

from shared.tokens import PublishedKeys
from tests.identity_support import (  # noqa: F401 (fixtures)
    identity_app,
    identity_sql,
    new_owner,
    unique_email,
)


async def test_sign_in_and_the_published_keys_go_through_the_gateway(gateway, identity_app):
    owner = await new_owner(identity_app)
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:
        keys = await http.get("/api/identity/.well-known/jwks.json")
        assert keys.status_code == 200 and "max-age" in keys.headers["cache-control"]
        signed = await http.post("/api/identity/sign-in", json={"email": owner.email, "password": owner.password})
        assert signed.status_code == 200, signed.text
        token = signed.json()["access_token"]

        async def fetch() -> dict:
            return (await http.get("/api/identity/.well-known/jwks.json")).json()

        claims = await PublishedKeys(fetch).verify(token)
        assert (claims.user_id, claims.key_id) == (owner.user_id, jwt.get_unverified_header(token)["kid"])
        account = await http.get("/api/identity/account", headers={"Authorization": f"Bearer {token}"})
        assert account.status_code == 200 and account.json()["id"] == str(owner.account_id)


async def test_a_failed_sign_in_counts_against_the_address_the_gateway_saw_not_one_the_caller_claims(
    gateway, identity_sql
):
    email = unique_email("spoofer")
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:
        refused = await http.post(
            "/api/identity/sign-in",
            json={"email": email, "password": "Not a password 1"},
            headers={"X-Real-IP": "203.0.113.9"},
        )
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    rows = await identity_sql("SELECT client_address FROM sign_in_failures WHERE email_key = :e", e=email)
    assert [row.client_address for row in rows] == ["127.0.0.1"]
