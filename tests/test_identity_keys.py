"""Signing keys: the published key set, rotation without downtime, and the operator's commands."""

import json
import subprocess
import sys
from pathlib import Path

import jwt

from services.identity.keys.service import rotate_keys
from shared.db import unit_of_work
from shared.tokens import verify_access_token
from tests.identity_support import (  # noqa: F401 (fixtures)
    Member,
    bearer,
    identity_api,
    identity_app,
    identity_sql,
    new_owner,
    tokens_of,
    unique_email,
)

NEGOCE = str(Path(sys.executable).with_name("negoce"))


async def published(api) -> dict:
    """The key set as the service publishes it."""
    answer = await api.get("/api/identity/.well-known/jwks.json")
    assert answer.status_code == 200
    return answer.json()


async def test_the_key_set_holds_public_okp_keys_only_and_may_be_cached(identity_app, identity_api, identity_sql):
    await tokens_of(identity_api, await new_owner(identity_app))
    answer = await identity_api.get("/api/identity/.well-known/jwks.json")
    assert answer.headers["cache-control"].startswith("public, max-age=")
    keys = answer.json()["keys"]
    assert keys and all(set(k) == {"kty", "crv", "x", "kid", "alg", "use"} for k in keys)
    assert all((k["kty"], k["crv"], k["alg"], k["use"]) == ("OKP", "Ed25519", "EdDSA", "sig") for k in keys)
    stored = await identity_sql("SELECT private_key FROM signing_keys")
    assert all(bytes(row.private_key).startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") for row in stored)


async def test_after_a_rotation_old_tokens_still_verify_and_new_ones_carry_the_new_kid(identity_app, identity_api):
    owner = await new_owner(identity_app)
    before = await tokens_of(identity_api, owner)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    async with unit_of_work(identity_app.state.context.sessions) as session:
        new_kid = await rotate_keys(session, settings=identity_app.state.settings)
    assert new_kid != old_kid
    keys = await published(identity_api)
    assert {old_kid, new_kid} <= {k["kid"] for k in keys["keys"]}
    assert verify_access_token(before["access_token"], jwks=keys).user_id == owner.user_id
    assert (await identity_api.get("/api/identity/account", headers=bearer(before))).status_code == 200
    after = await tokens_of(identity_api, owner)
    assert jwt.get_unverified_header(after["access_token"])["kid"] == new_kid
    assert verify_access_token(after["access_token"], jwks=keys).key_id == new_kid


async def test_account_create_with_an_owner_prints_a_password_that_signs_in(identity_api):
    email = unique_email("cli")
    result = subprocess.run(
        [NEGOCE, "account", "create", "Domaine du Terminal", "--owner-email", email],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    created = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(created) >= {"account_id", "name", "token", "owner", "password"}
    assert created["owner"]["email"] == email
    keys = (await identity_api.get("/api/identity/.well-known/jwks.json")).json()
    printed = verify_access_token(created["token"], jwks=keys)  # the owner's, signed by identity
    assert str(printed.user_id) == created["owner"]["id"] and printed.role == "owner"
    member = Member(
        account_id=created["account_id"], user_id=created["owner"]["id"], email=email, password=created["password"]
    )
    tokens = await tokens_of(identity_api, member)
    assert tokens["user"]["account_id"] == created["account_id"] and tokens["user"]["role"] == "owner"
    taken = subprocess.run(
        [NEGOCE, "account", "create", "Domaine bis", "--owner-email", email.upper()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert taken.returncode == 1 and "already used" in taken.stderr
    assert taken.stdout.strip() == ""  # nothing was created: no account without its owner


async def test_keys_rotate_command_publishes_a_new_key(identity_api):
    result = subprocess.run([NEGOCE, "keys", "rotate"], capture_output=True, text=True, check=True, timeout=60)
    kid = result.stdout.strip().rsplit(" ", 1)[-1]
    assert kid in {k["kid"] for k in (await published(identity_api))["keys"]}


async def test_a_service_caching_the_keys_verifies_tokens_of_a_key_rotated_since(identity_app, identity_api):
    from shared.tokens import PublishedKeys

    cache = PublishedKeys(lambda: published(identity_api), min_refetch_seconds=0)
    owner = await new_owner(identity_app)
    before = await tokens_of(identity_api, owner)
    assert (await cache.verify(before["access_token"])).user_id == owner.user_id
    async with unit_of_work(identity_app.state.context.sessions) as session:
        new_kid = await rotate_keys(session, settings=identity_app.state.settings)
    after = await tokens_of(identity_api, owner)
    assert (await cache.verify(after["access_token"])).key_id == new_kid
    assert (await cache.verify(before["access_token"])).user_id == owner.user_id
