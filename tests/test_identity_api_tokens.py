"""API tokens: made by owners for integrations, verified like access tokens, listed without the token, revoked."""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.tokens import verify_access_token
from tests.identity_support import (  # noqa: F401 (fixtures)
    bearer,
    identity_api,
    identity_app,
    identity_sql,
    invited_member,
    new_owner,
    outbox_events,
    tokens_of,
)


async def issue(api, owner_tokens, **body):
    """POST an API token as the owner."""
    return await api.post("/api/identity/api-tokens", json={"name": "ERP", **body}, headers=bearer(owner_tokens))


async def keys(api) -> dict:
    return (await api.get("/api/identity/.well-known/jwks.json")).json()


async def test_an_api_token_is_shown_once_verifies_like_an_access_token_and_is_kept_hashed(
    identity_app, identity_api, identity_sql
):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    made = await issue(identity_api, owner_tokens, role="staff", ttl_days=30)
    assert made.status_code == 201, made.text
    body = made.json()
    claims = verify_access_token(body["token"], jwks=await keys(identity_api))
    raw = jwt.decode(body["token"], options={"verify_signature": False})
    assert (claims.user_id, claims.account_id, claims.role) == (owner.user_id, owner.account_id, "staff")
    assert raw["typ"] == "api" and raw["jti"] == body["id"] and "sid" not in raw
    assert abs(claims.expires_at - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=1)
    [stored] = await identity_sql("SELECT token_hash FROM api_tokens WHERE id = :i", i=uuid.UUID(body["id"]))
    assert bytes(stored.token_hash) == hashlib.sha256(body["token"].encode()).digest()
    listed = (await identity_api.get("/api/identity/api-tokens", headers=bearer(owner_tokens))).json()
    assert [t["id"] for t in listed] == [body["id"]] and "token" not in listed[0] and listed[0]["active"] is True
    # Identity itself takes it, with the token's role, not the owner's.
    as_token = {"Authorization": f"Bearer {body['token']}"}
    assert (await identity_api.get("/api/identity/users", headers=as_token)).status_code == 200
    assert (await identity_api.get("/api/identity/api-tokens", headers=as_token)).status_code == 403


async def test_a_revoked_api_token_is_refused_and_announced_until_its_expiry(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    expires = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    body = (await issue(identity_api, owner_tokens, role="manager", expires_at=expires.isoformat())).json()
    as_token = {"Authorization": f"Bearer {body['token']}"}
    assert (await identity_api.get("/api/identity/account", headers=as_token)).status_code == 200
    revoked = await identity_api.delete(f"/api/identity/api-tokens/{body['id']}", headers=bearer(owner_tokens))
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    again = await identity_api.post(f"/api/identity/api-tokens/{body['id']}/revoke", headers=bearer(owner_tokens))
    assert again.status_code == 200
    refused = await identity_api.get("/api/identity/account", headers=as_token)
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    [event] = [e for e in await outbox_events(identity_sql, owner.account_id, "token.revoked") if e["api_token_id"]]
    assert event["api_token_id"] == body["id"] and event["session_id"] is None
    assert event["reason"] == "api_token_revoked" and datetime.fromisoformat(event["refuse_until"]) == expires
    unknown = await identity_api.post(f"/api/identity/api-tokens/{uuid.uuid4()}/revoke", headers=bearer(owner_tokens))
    assert unknown.status_code == 404


async def test_disabling_a_user_or_lowering_their_role_revokes_their_api_tokens(
    identity_app, identity_api, identity_sql
):
    from services.identity.api_tokens.service import issue_api_token
    from services.identity.base.domain import COMMAND_LINE
    from services.identity.models import User
    from shared.db import unit_of_work

    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    manager = await invited_member(identity_api, owner_tokens, role="manager")
    made = []
    async with unit_of_work(identity_app.state.context.sessions) as session:
        user = await session.get(User, manager.user_id)
        assert user is not None
        for role in ("manager", "staff", "read_only"):
            made.append(
                await issue_api_token(
                    session,
                    settings=identity_app.state.settings,
                    creator=user,
                    creator_role=user.role,
                    name=role,
                    role=role,
                    expires_at=datetime.now(UTC) + timedelta(days=5),
                    actor=COMMAND_LINE,
                )
            )
    lowered = await identity_api.patch(
        f"/api/identity/users/{manager.user_id}", json={"role": "staff"}, headers=bearer(owner_tokens)
    )
    assert lowered.status_code == 200
    listed = {
        t["name"]: t["active"]
        for t in (await identity_api.get("/api/identity/api-tokens", headers=bearer(owner_tokens))).json()
    }
    assert listed == {"manager": False, "staff": True, "read_only": True}
    disabled = await identity_api.post(f"/api/identity/users/{manager.user_id}/disable", headers=bearer(owner_tokens))
    assert disabled.status_code == 200
    listed = (await identity_api.get("/api/identity/api-tokens", headers=bearer(owner_tokens))).json()
    assert not any(t["active"] for t in listed)
    events = [e for e in await outbox_events(identity_sql, owner.account_id, "token.revoked") if e["api_token_id"]]
    assert sorted((e["reason"], e["api_token_id"]) for e in events) == sorted(
        [("role_lowered", str(made[0]["id"]))] + [("user_disabled", str(t["id"])) for t in made[1:]]
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "staff"}, "expires_at"),
        ({"role": "staff", "ttl_days": 3, "expires_at": "2030-01-01T00:00:00+00:00"}, "expires_at"),
        ({"role": "staff", "ttl_days": 366}, "ttl_days"),
        ({"role": "staff", "ttl_days": 0}, "ttl_days"),
        ({"role": "staff", "expires_at": "2020-01-01T00:00:00+00:00"}, "expires_at"),
        ({"role": "staff", "expires_at": "2999-01-01T00:00:00+00:00"}, "expires_at"),
        ({"role": "staff", "expires_at": "2030-01-01T00:00:00"}, "expires_at"),
        ({"role": "admin", "ttl_days": 3}, "role"),
        ({"role": "staff", "ttl_days": 3, "name": ""}, "name"),
        ({"role": "staff", "ttl_days": "3"}, "ttl_days"),
    ],
)
async def test_bad_api_token_requests_are_422_naming_the_field(identity_app, identity_api, body, field):
    owner_tokens = await tokens_of(identity_api, await new_owner(identity_app))
    answer = await identity_api.post(
        "/api/identity/api-tokens", json={"name": "ERP", **body}, headers=bearer(owner_tokens)
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in answer.json()["errors"]]


async def test_only_an_owner_manages_api_tokens_and_no_role_above_the_creators(identity_app, identity_api):
    from services.identity.api_tokens.service import issue_api_token
    from services.identity.base.domain import COMMAND_LINE
    from services.identity.models import User
    from shared.db import unit_of_work
    from shared.errors import InvalidField

    owner_tokens = await tokens_of(identity_api, await new_owner(identity_app))
    staff = await invited_member(identity_api, owner_tokens, role="staff")
    staff_tokens = await tokens_of(identity_api, staff)
    for method, path in (("POST", "/api/identity/api-tokens"), ("GET", "/api/identity/api-tokens")):
        refused = await identity_api.request(
            method,
            path,
            json={"name": "x", "role": "staff", "ttl_days": 1} if method == "POST" else None,
            headers=bearer(staff_tokens),
        )
        assert refused.status_code == 403
    with pytest.raises(InvalidField) as raised:
        async with unit_of_work(identity_app.state.context.sessions) as session:
            user = await session.get(User, staff.user_id)
            assert user is not None
            await issue_api_token(
                session,
                settings=identity_app.state.settings,
                creator=user,
                creator_role=user.role,
                name="too much",
                role="manager",
                expires_at=datetime.now(UTC) + timedelta(days=1),
                actor=COMMAND_LINE,
            )
    assert raised.value.extra["errors"][0]["field"] == "role"


async def test_api_tokens_outlive_a_key_rotation(identity_app, identity_api):
    from services.identity.keys.service import rotate_keys
    from shared.db import unit_of_work

    owner_tokens = await tokens_of(identity_api, await new_owner(identity_app))
    body = (await issue(identity_api, owner_tokens, role="read_only", ttl_days=200)).json()
    async with unit_of_work(identity_app.state.context.sessions) as session:
        await rotate_keys(session, settings=identity_app.state.settings)
    async with unit_of_work(identity_app.state.context.sessions) as session:
        await rotate_keys(session, settings=identity_app.state.settings)
    assert verify_access_token(body["token"], jwks=await keys(identity_api)).role == "read_only"
