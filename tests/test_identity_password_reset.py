"""Password resets: the same answer for any address, a single-use link within the hour, sessions ended, limits."""

import time

import pytest

from tests.identity_support import (  # noqa: F401 (fixtures)
    PASSWORD,
    Member,
    bearer,
    from_new_address,
    identity_api,
    identity_app,
    identity_sql,
    new_owner,
    outbox_events,
    sign_in,
    tokens_of,
    unique_email,
)

NEW_PASSWORD = "Another horse 43 staple"


async def ask(api, email: str, headers: dict | None = None):
    return await api.post("/api/identity/password-reset", json={"email": email}, headers=headers or from_new_address())


async def link_token(sql, account_id) -> str:
    """The token of the newest reset link e-mailed for an account (as the e-mail's reader would find it)."""
    [*_, email] = [
        e for e in await outbox_events(sql, account_id, "sign_in_email.requested") if e["kind"] == "password_reset"
    ]
    url = next(line for line in email["body"].splitlines() if "token=" in line)
    return url.split("token=", 1)[1]


async def test_a_reset_link_sets_a_new_password_once_and_ends_the_sessions(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    before = await tokens_of(identity_api, owner)
    asked = await ask(identity_api, owner.email.upper())
    assert asked.status_code == 202
    [email] = await outbox_events(identity_sql, owner.account_id, "sign_in_email.requested")
    assert (email["kind"], email["to"], email["user_id"]) == ("password_reset", owner.email, str(owner.user_id))
    assert "http://127.0.0.1:8080/password-reset?token=" in email["body"] and "60 minutes" in email["body"]
    token = await link_token(identity_sql, owner.account_id)
    [stored] = await identity_sql(
        "SELECT token_hash, expires_at - created_at AS life FROM password_resets WHERE user_id = :u", u=owner.user_id
    )
    assert token.encode() not in bytes(stored.token_hash) and stored.life.total_seconds() <= 3600
    done = await identity_api.post(
        "/api/identity/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 200, done.text
    twice = await identity_api.post(
        "/api/identity/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert twice.status_code == 409 and twice.headers["content-type"] == "application/problem+json"
    assert (await sign_in(identity_api, owner)).status_code == 401  # the old password
    assert (await sign_in(identity_api, owner, password=NEW_PASSWORD)).status_code == 200
    refreshed = await identity_api.post("/api/identity/refresh", json={"refresh_token": before["refresh_token"]})
    assert refreshed.status_code == 401  # the session from before the reset ended
    revoked = await outbox_events(identity_sql, owner.account_id, "token.revoked")
    assert [(e["reason"], e["user_id"]) for e in revoked] == [("password_reset", str(owner.user_id))]
    actions = await identity_sql(
        "SELECT action FROM audit_entries WHERE account_id = :a AND action LIKE 'password.%' ORDER BY id",
        a=owner.account_id,
    )
    assert [row.action for row in actions] == ["password.reset_requested", "password.reset"]


async def test_the_answer_is_the_same_for_an_unknown_address_and_sends_nothing(
    identity_app, identity_api, identity_sql
):
    owner = await new_owner(identity_app)
    known_started = time.perf_counter()
    known = await ask(identity_api, owner.email)
    known_seconds = time.perf_counter() - known_started
    unknown_started = time.perf_counter()
    unknown = await ask(identity_api, unique_email("nobody"))
    unknown_seconds = time.perf_counter() - unknown_started
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert abs(known_seconds - unknown_seconds) < 0.25
    [count] = await identity_sql(
        "SELECT count(*) AS n FROM outbox WHERE routing_key = 'sign_in_email.requested' AND body->'payload'->>'to' LIKE 'nobody-%'"
    )
    assert count.n == 0


async def test_an_expired_or_unknown_link_is_refused(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    await ask(identity_api, owner.email)
    token = await link_token(identity_sql, owner.account_id)
    await identity_sql(
        "UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = :u", u=owner.user_id
    )
    gone = await identity_api.post(
        "/api/identity/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert gone.status_code == 410
    unknown = await identity_api.post(
        "/api/identity/password-reset/confirm", json={"token": "nope", "password": NEW_PASSWORD}
    )
    assert unknown.status_code == 404
    assert (await sign_in(identity_api, owner)).status_code == 200  # the password did not change


async def test_a_weak_password_is_a_422_naming_the_field_and_keeps_the_link(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    await ask(identity_api, owner.email)
    token = await link_token(identity_sql, owner.account_id)
    weak = await identity_api.post("/api/identity/password-reset/confirm", json={"token": token, "password": "short"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    assert "12 to 256 characters" in weak.json()["detail"]
    ok = await identity_api.post(
        "/api/identity/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/identity/password-reset", {"email": "not an address"}, "email"),
        ("/api/identity/password-reset", {}, "email"),
        ("/api/identity/password-reset", {"email": "a@example.com", "extra": 1}, "extra"),
        ("/api/identity/password-reset/confirm", {"password": NEW_PASSWORD}, "token"),
        ("/api/identity/password-reset/confirm", {"token": "x"}, "password"),
    ],
)
async def test_bad_bodies_are_422_naming_the_field(identity_api, path, body, field):
    answer = await identity_api.post(path, json=body, headers=from_new_address())
    assert answer.status_code == 422 and field in [e["field"] for e in answer.json()["errors"]]


async def test_reset_requests_are_limited_per_email_address_and_per_client_address(
    identity_app, identity_api, identity_sql
):
    owner = await new_owner(identity_app)
    limit = identity_app.state.settings.password_reset_requests_per_email
    for _ in range(limit):
        assert (await ask(identity_api, owner.email)).status_code == 202
    refused = await ask(identity_api, owner.email)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    emails = await outbox_events(identity_sql, owner.account_id, "sign_in_email.requested")
    assert len(emails) == limit
    # An unknown address is limited the same way, so the limit tells nothing either.
    nobody = unique_email("nobody")
    answers = [(await ask(identity_api, nobody)).status_code for _ in range(limit + 1)]
    assert answers == [202] * limit + [429]
    one_place = from_new_address()
    per_address = identity_app.state.settings.password_reset_requests_per_address
    answers = [(await ask(identity_api, unique_email(), one_place)).status_code for _ in range(per_address + 1)]
    assert answers == [202] * per_address + [429]


async def test_a_disabled_or_not_yet_joined_user_gets_no_link(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    email = unique_email("invitee")
    invited = await identity_api.post(
        "/api/identity/invitations",
        json={"email": email, "name": "Invitée", "role": "staff"},
        headers=bearer(owner_tokens),
    )
    assert (await ask(identity_api, email)).status_code == 202
    kinds = [e["kind"] for e in await outbox_events(identity_sql, owner.account_id, "sign_in_email.requested")]
    assert kinds == ["invitation"] and invited.status_code == 201
