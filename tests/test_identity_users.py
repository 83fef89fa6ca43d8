"""Invitations, joining, roles and disabled users; identity's events reach RabbitMQ."""

import uuid

import pytest

from tests.conftest import AMQP_URL
from tests.identity_support import (  # noqa: F401 (fixtures)
    PASSWORD,
    bearer,
    identity_api,
    identity_app,
    identity_sql,
    invited_member,
    new_owner,
    outbox_events,
    sign_in,
    tokens_of,
    unique_email,
)
from tests.support import EventTap, eventually


async def invite(api, owner_tokens, email, role="staff"):
    """POST an invitation as the owner."""
    return await api.post(
        "/api/identity/invitations",
        json={"email": email, "name": "Invitée", "role": role},
        headers=bearer(owner_tokens),
    )


async def test_an_invited_user_joins_once_and_signs_in_with_the_role_given(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    email = unique_email("manager")
    invited = await invite(identity_api, owner_tokens, email, role="manager")
    assert invited.status_code == 201, invited.text
    body = invited.json()
    assert body["user"]["joined"] is False and body["invitation_url"].endswith(body["invitation_token"])
    (stored,) = await identity_sql(
        "SELECT token_hash FROM invitations WHERE user_id = :u", u=uuid.UUID(body["user"]["id"])
    )
    assert body["invitation_token"].encode() not in bytes(stored.token_hash)  # only its hash is kept
    before = await identity_api.post("/api/identity/sign-in", json={"email": email, "password": PASSWORD})
    assert before.status_code == 401  # no password yet
    accept = {"token": body["invitation_token"], "password": PASSWORD}
    joined = await identity_api.post("/api/identity/invitations/accept", json=accept)
    assert joined.status_code == 200 and joined.json()["joined"] is True
    twice = await identity_api.post("/api/identity/invitations/accept", json={**accept, "password": PASSWORD + "!"})
    assert twice.status_code == 409 and twice.headers["content-type"] == "application/problem+json"
    signed = await identity_api.post("/api/identity/sign-in", json={"email": email.upper(), "password": PASSWORD})
    assert signed.status_code == 200 and signed.json()["user"]["role"] == "manager"
    assert [e["email"] for e in await outbox_events(identity_sql, owner.account_id, "user.invited")] == [email]
    assert email in [e["email"] for e in await outbox_events(identity_sql, owner.account_id, "user.joined")]


async def test_an_expired_invitation_is_gone(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    body = (await invite(identity_api, await tokens_of(identity_api, owner), unique_email())).json()
    await identity_sql(
        "UPDATE invitations SET expires_at = now() - interval '1 second' WHERE user_id = :u",
        u=uuid.UUID(body["user"]["id"]),
    )
    late = await identity_api.post(
        "/api/identity/invitations/accept", json={"token": body["invitation_token"], "password": PASSWORD}
    )
    assert late.status_code == 410 and late.headers["content-type"] == "application/problem+json"
    unknown = await identity_api.post(
        "/api/identity/invitations/accept", json={"token": "no-such-token", "password": PASSWORD}
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short 1", "too short"),
        ("alllowercaseletters", "one kind"),
        ("{local}-Secret-2026", "e-mail"),
        ("x" * 300, "too long"),
    ],
)
async def test_a_weak_password_is_a_422_naming_the_field_and_stating_the_rule(
    identity_app, identity_api, password, reason
):
    owner = await new_owner(identity_app)
    email = unique_email("weakling")
    body = (await invite(identity_api, await tokens_of(identity_api, owner), email)).json()
    chosen = password.format(local=email.split("@")[0])
    refused = await identity_api.post(
        "/api/identity/invitations/accept", json={"token": body["invitation_token"], "password": chosen}
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["field"] == "password"
    assert reason in problem["errors"][0]["message"] and "12" in problem["errors"][0]["message"]
    retry = await identity_api.post(
        "/api/identity/invitations/accept", json={"token": body["invitation_token"], "password": PASSWORD}
    )
    assert retry.status_code == 200  # a refused password does not use the invitation up


async def test_an_e_mail_address_already_used_is_a_409_whatever_its_case(identity_app, identity_api):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    email = unique_email("twice")
    assert (await invite(identity_api, owner_tokens, email)).status_code == 201
    again = await invite(identity_api, owner_tokens, email.upper())
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    other_owner = await new_owner(identity_app, name="Another")
    elsewhere = await invite(identity_api, await tokens_of(identity_api, other_owner), owner.email)
    assert elsewhere.status_code == 409  # one address, one account


async def test_only_an_owner_manages_users(identity_app, identity_api):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    manager = await invited_member(identity_api, owner_tokens, role="manager")
    manager_tokens = await tokens_of(identity_api, manager)
    refused = await invite(identity_api, manager_tokens, unique_email())
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    listed = await identity_api.get("/api/identity/users", headers=bearer(manager_tokens))
    assert sorted(u["role"] for u in listed.json()) == ["manager", "owner"]
    assert (await identity_api.get("/api/identity/users")).status_code == 401


async def test_a_role_change_is_published_and_shows_in_the_next_token(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    staff = await invited_member(identity_api, owner_tokens, role="staff")
    changed = await identity_api.patch(
        f"/api/identity/users/{staff.user_id}", json={"role": "read_only"}, headers=bearer(owner_tokens)
    )
    assert changed.status_code == 200 and changed.json()["role"] == "read_only"
    assert (await tokens_of(identity_api, staff))["user"]["role"] == "read_only"
    (updated,) = await outbox_events(identity_sql, owner.account_id, "user.updated")
    assert updated["role"] == "read_only" and updated["user_id"] == str(staff.user_id)
    own = await identity_api.patch(
        f"/api/identity/users/{owner.user_id}", json={"role": "staff"}, headers=bearer(owner_tokens)
    )
    assert own.status_code == 409  # the account keeps its owner


async def test_a_disabled_user_cannot_sign_in_refresh_or_use_a_token(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    staff = await invited_member(identity_api, owner_tokens)
    staff_tokens = await tokens_of(identity_api, staff)
    disabled = await identity_api.post(f"/api/identity/users/{staff.user_id}/disable", headers=bearer(owner_tokens))
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (await sign_in(identity_api, staff)).status_code == 401
    refresh = await identity_api.post("/api/identity/refresh", json={"refresh_token": staff_tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert (await identity_api.get("/api/identity/account", headers=bearer(staff_tokens))).status_code == 401
    (event,) = await outbox_events(identity_sql, owner.account_id, "user.disabled")
    assert event["user_id"] == str(staff.user_id) and event["active"] is False
    (revoked,) = await outbox_events(identity_sql, owner.account_id, "token.revoked")
    assert revoked["reason"] == "user_disabled"


async def test_identity_events_reach_rabbitmq_through_the_outbox(identity_app, identity_api):
    async with EventTap(AMQP_URL, "negoce.identity") as tap:
        owner = await new_owner(identity_app)
        owner_tokens = await tokens_of(identity_api, owner)
        email = unique_email("broker")
        assert (await invite(identity_api, owner_tokens, email)).status_code == 201

        def arrived():
            mine = [b for b in tap.bodies() if b["account_id"] == str(owner.account_id)]
            return {b["type"] for b in mine} >= {"account.created", "user.joined", "user.invited"} and mine

        mine = await eventually(arrived)
    (invited,) = [b for b in mine if b["type"] == "user.invited"]
    assert invited["payload"]["email"] == email and invited["payload"]["joined"] is False


async def test_an_invitation_asks_mailings_to_send_its_link(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app, name="Cave Œillet")
    email = unique_email("invitee")
    body = (await invite(identity_api, await tokens_of(identity_api, owner), email)).json()
    assert body["invitation_url"] == f"http://127.0.0.1:8080/invitation?token={body['invitation_token']}"
    [sent] = await outbox_events(identity_sql, owner.account_id, "sign_in_email.requested")
    assert (sent["kind"], sent["to"], sent["user_id"]) == ("invitation", email, body["user"]["id"])
    assert "Cave Œillet" in sent["subject"] and body["invitation_url"] in sent["body"]


async def test_any_user_chooses_their_own_language_which_the_next_sign_in_carries(identity_app, identity_api):
    owner = await new_owner(identity_app)
    reader = await invited_member(identity_api, await tokens_of(identity_api, owner), role="read_only")
    headers = bearer(await tokens_of(identity_api, reader))
    chosen = await identity_api.patch("/api/identity/users/me", json={"language": "en"}, headers=headers)
    assert chosen.status_code == 200 and chosen.json()["language"] == "en"
    assert (await tokens_of(identity_api, reader))["user"]["language"] == "en"
    unknown = await identity_api.patch("/api/identity/users/me", json={"language": "xx"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "language"
    assert (await tokens_of(identity_api, reader))["user"]["language"] == "en"
    # Only their own: the owner's language did not change.
    assert (await tokens_of(identity_api, owner))["user"]["language"] == "fr"
