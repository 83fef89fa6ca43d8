"""The operator's identity commands: invite a user, issue an API token, close an account."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

from shared.tokens import verify_access_token
from tests.identity_support import (  # noqa: F401 (fixtures)
    PASSWORD,
    Member,
    bearer,
    identity_api,
    identity_app,
    identity_sql,
    new_owner,
    outbox_events,
    sign_in,
    tokens_of,
    unique_email,
)

NEGOCE = str(Path(sys.executable).with_name("negoce"))


def negoce(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NEGOCE, *args], capture_output=True, text=True, timeout=60)


def printed(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    return json.loads(line)


async def test_user_invite_prints_the_user_and_a_link_that_lets_them_join(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    email = unique_email("cli-invitee")
    made = printed(negoce("user", "invite", "--account", str(owner.account_id), "--email", email, "--role", "manager"))
    assert (made["user"]["email"], made["user"]["role"], made["user"]["joined"]) == (email, "manager", False)
    token = made["invitation_url"].split("token=", 1)[1]
    joined = await identity_api.post("/api/identity/invitations/accept", json={"token": token, "password": PASSWORD})
    assert joined.status_code == 200
    [sent] = await outbox_events(identity_sql, owner.account_id, "sign_in_email.requested")
    assert sent["to"] == email and made["invitation_url"] in sent["body"]
    [entry] = await identity_sql(
        "SELECT user_id, action FROM audit_entries WHERE account_id = :a AND action = 'user.invited'",
        a=owner.account_id,
    )
    assert entry.user_id is None  # the command line, no user


async def test_user_invite_refuses_bad_input_with_a_message(identity_app):
    owner = await new_owner(identity_app)
    account = str(owner.account_id)
    taken = negoce("user", "invite", "--account", account, "--email", owner.email)
    assert taken.returncode == 1 and "already used" in taken.stderr
    bad_role = negoce("user", "invite", "--account", account, "--email", unique_email(), "--role", "boss")
    assert bad_role.returncode == 2 and "--role" in bad_role.stderr
    bad_email = negoce("user", "invite", "--account", account, "--email", "nobody")
    assert bad_email.returncode == 2 and "--email" in bad_email.stderr
    no_account = negoce("user", "invite", "--account", str(uuid.uuid4()), "--email", unique_email())
    assert no_account.returncode == 1 and "No open account" in no_account.stderr


async def test_token_issue_prints_an_api_token_that_verifies(identity_app, identity_api):
    owner = await new_owner(identity_app)
    made = printed(negoce("token", "issue", "--user", owner.email, "--role", "staff", "--ttl", "12h"))
    keys = (await identity_api.get("/api/identity/.well-known/jwks.json")).json()
    claims = verify_access_token(made["token"], jwks=keys)
    assert (claims.user_id, claims.role, claims.token_id) == (owner.user_id, "staff", made["id"])
    by_id = printed(negoce("token", "issue", "--user", str(owner.user_id), "--role", "owner", "--ttl", "30d"))
    listed = await identity_api.get("/api/identity/api-tokens", headers=bearer(await tokens_of(identity_api, owner)))
    assert {t["id"] for t in listed.json()} == {made["id"], by_id["id"]}
    for ttl in ("0d", "366d", "1w", "forever"):
        refused = negoce("token", "issue", "--user", owner.email, "--role", "staff", "--ttl", ttl)
        assert refused.returncode == 2 and "--ttl" in refused.stderr
    unknown = negoce("token", "issue", "--user", unique_email(), "--role", "staff", "--ttl", "1d")
    assert unknown.returncode == 1 and "No user" in unknown.stderr
    bad_role = negoce("token", "issue", "--user", owner.email, "--role", "root", "--ttl", "1d")
    assert bad_role.returncode == 1 and "role" in bad_role.stderr


async def test_account_close_stops_sign_ins_and_tokens_and_is_announced_once(identity_app, identity_api, identity_sql):
    owner = await new_owner(identity_app)
    tokens = await tokens_of(identity_api, owner)
    closed = printed(negoce("account", "close", str(owner.account_id)))
    assert closed["account_id"] == str(owner.account_id) and closed["closed_at"]
    again = printed(negoce("account", "close", str(owner.account_id)))
    assert again["closed_at"] == closed["closed_at"]
    assert (await identity_api.get("/api/identity/account", headers=bearer(tokens))).status_code == 401
    assert (await sign_in(identity_api, owner)).status_code == 401
    [event] = await outbox_events(identity_sql, owner.account_id, "account.closed")
    assert event["account_id"] == str(owner.account_id)
    missing = negoce("account", "close", str(uuid.uuid4()))
    assert missing.returncode == 1 and "No account" in missing.stderr
    assert negoce("account", "close", "not-an-id").returncode == 2
