"""Sign-in, refresh-token rotation, sign-out and the limit on failed sign-ins, on the real database."""

import asyncio
import statistics
import time
import uuid

from argon2 import PasswordHasher

from services.identity.app import create_app
from shared.tokens import verify_access_token
from tests.identity_support import (  # noqa: F401 (fixtures)
    bearer,
    from_new_address,
    identity_api,
    identity_app,
    identity_settings,
    identity_sql,
    new_owner,
    outbox_events,
    sign_in,
    tokens_of,
    unique_email,
)
from tests.support import in_process


async def test_sign_in_gives_an_access_token_that_verifies_with_the_published_keys(identity_app, identity_api):
    owner = await new_owner(identity_app)
    tokens = await tokens_of(identity_api, owner)
    assert tokens["token_type"] == "Bearer" and 0 < tokens["expires_in"] <= 900
    assert tokens["user"] == {
        "id": str(owner.user_id),
        "account_id": str(owner.account_id),
        "email": owner.email,
        "name": "Owner",
        "role": "owner",
        "language": "fr",
    }
    keys = await identity_api.get("/api/identity/.well-known/jwks.json")
    assert keys.status_code == 200 and "max-age=" in keys.headers["cache-control"]
    claims = verify_access_token(tokens["access_token"], jwks=keys.json())
    assert (claims.user_id, claims.account_id, claims.role) == (owner.user_id, owner.account_id, "owner")
    account = await identity_api.get("/api/identity/account", headers=bearer(tokens))
    assert account.status_code == 200 and account.json()["id"] == str(owner.account_id)


async def test_the_password_is_stored_as_an_argon2id_hash_only(identity_app, identity_sql):
    owner = await new_owner(identity_app)
    (row,) = await identity_sql("SELECT hash FROM passwords WHERE user_id = :u", u=owner.user_id)
    assert row.hash.startswith("$argon2id$") and owner.password not in row.hash
    assert PasswordHasher().verify(row.hash, owner.password)


async def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(identity_app, identity_api):
    owner = await new_owner(identity_app)
    wrong = await sign_in(identity_api, owner, password="Not the password 1")
    unknown = await sign_in(identity_api, owner, email=unique_email("nobody"))
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert wrong.json() == unknown.json()
    assert "password" in wrong.json()["detail"]


async def test_failed_sign_ins_are_limited_per_address_with_retry_after(identity_app, identity_api):
    owner = await new_owner(identity_app)
    for _ in range(5):
        assert (await sign_in(identity_api, owner, password="Wrong password 123")).status_code == 401
    limited = await sign_in(identity_api, owner)  # even the right password now waits
    assert limited.status_code == 429, limited.text
    assert limited.headers["content-type"] == "application/problem+json"
    assert 0 < int(limited.headers["Retry-After"]) <= 900
    assert limited.json()["retry_after"] == int(limited.headers["Retry-After"])


async def test_failed_sign_ins_are_limited_per_client_address(identity_app, identity_api):
    address = from_new_address()
    for _ in range(20):
        body = {"email": unique_email("guess"), "password": "Guessed password 1"}
        assert (await identity_api.post("/api/identity/sign-in", json=body, headers=address)).status_code == 401
    owner = await new_owner(identity_app)
    body = {"email": owner.email, "password": owner.password}
    limited = await identity_api.post("/api/identity/sign-in", json=body, headers=address)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert (await sign_in(identity_api, owner)).status_code == 200  # from another address: allowed


async def test_refresh_rotates_the_refresh_token_and_each_is_single_use(identity_app, identity_api):
    owner = await new_owner(identity_app)
    first = await tokens_of(identity_api, owner)
    second = await identity_api.post("/api/identity/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    third = await identity_api.post("/api/identity/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert third.status_code == 200


async def test_a_spent_refresh_token_presented_again_revokes_its_whole_session(
    identity_app, identity_api, identity_sql
):
    owner = await new_owner(identity_app)
    first = await tokens_of(identity_api, owner)
    current = (await identity_api.post("/api/identity/refresh", json={"refresh_token": first["refresh_token"]})).json()
    # Past the grace of two racing tabs: a replay, as from someone holding a copy.
    strict = create_app(identity_settings(refresh_reuse_grace_seconds=0, run_consumers=False, run_outbox_relay=False))
    try:
        async with in_process(strict) as http:
            replayed = await http.post("/api/identity/refresh", json={"refresh_token": first["refresh_token"]})
    finally:
        await strict.state.context.engine.dispose()
    assert replayed.status_code == 401 and replayed.headers["content-type"] == "application/problem+json"
    after = await identity_api.post("/api/identity/refresh", json={"refresh_token": current["refresh_token"]})
    assert after.status_code == 401  # the legitimate holder's token went with its family
    (revoked,) = await outbox_events(identity_sql, owner.account_id, "token.revoked")
    assert revoked["reason"] == "refresh_token_reused" and revoked["user_id"] == str(owner.user_id)


async def test_a_refresh_raced_from_two_tabs_leaves_exactly_one_valid_session(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    first = await tokens_of(identity_api, owner)
    body = {"refresh_token": first["refresh_token"]}
    answers = await asyncio.gather(*(identity_api.post("/api/identity/refresh", json=body) for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    (winner,) = [a.json() for a in answers if a.status_code == 200]
    sessions = await identity_sql(
        "SELECT s.id, s.revoked_at, count(t.id) FILTER (WHERE t.spent_at IS NULL) AS live"
        " FROM sessions s JOIN refresh_tokens t ON t.session_id = s.id WHERE s.user_id = :u GROUP BY s.id",
        u=owner.user_id,
    )
    assert [(s.revoked_at, s.live) for s in sessions] == [(None, 1)]
    again = await identity_api.post("/api/identity/refresh", json={"refresh_token": winner["refresh_token"]})
    assert again.status_code == 200


async def test_sign_out_ends_the_session_and_announces_it(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    tokens = await tokens_of(identity_api, owner)
    out = await identity_api.post("/api/identity/sign-out", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    refused = await identity_api.post("/api/identity/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401
    (revoked,) = await outbox_events(identity_sql, owner.account_id, "token.revoked")
    assert revoked["reason"] == "signed_out"
    unknown = await identity_api.post("/api/identity/sign-out", json={"refresh_token": str(uuid.uuid4())})
    assert unknown.status_code == 204


async def test_sign_in_answers_503_problem_while_the_database_is_down():
    app = create_app(
        identity_settings(
            database_url="postgresql+asyncpg://postgres@127.0.0.1:9/negoce_identity",
            run_consumers=False,
            run_outbox_relay=False,
        )
    )
    try:
        async with in_process(app) as http:
            response = await http.post(
                "/api/identity/sign-in", json={"email": unique_email(), "password": "Whatever 12345"}
            )
    finally:
        await app.state.context.engine.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


async def test_an_unknown_address_costs_about_as_much_time_as_a_wrong_password():
    """The dummy hash has the configured parameters, so an unknown address is no quicker to refuse."""
    app = create_app(
        identity_settings(
            argon2_time_cost=2, argon2_memory_cost_kib=16_384, run_consumers=False, run_outbox_relay=False
        )
    )
    try:
        owner = await new_owner(app)
        async with in_process(app) as http:

            async def timed(**body) -> float:
                started = time.perf_counter()
                response = await sign_in(http, owner, **body)
                assert response.status_code == 401
                return time.perf_counter() - started

            await timed(email=unique_email("warm-up"))  # the dummy hash is made on first use
            wrong, unknown = [], []
            for _ in range(4):
                wrong.append(await timed(password="Not the password 1"))
                unknown.append(await timed(email=unique_email("nobody")))
    finally:
        await app.state.context.engine.dispose()
    assert statistics.median(unknown) >= 0.5 * statistics.median(wrong), (wrong, unknown)
