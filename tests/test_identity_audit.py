"""The audit trail: identity's actions recorded with their transaction, other services' audit events applied
once, pages and filters for owners, and a table that refuses to be rewritten."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from tests.conftest import AMQP_URL
from tests.identity_support import (  # noqa: F401 (fixtures)
    PASSWORD,
    bearer,
    identity_api,
    identity_app,
    identity_sql,
    invited_member,
    new_owner,
    tokens_of,
)
from tests.support import eventually, publish_event


async def trail(api, owner_tokens, **query) -> dict:
    answer = await api.get("/api/identity/audit", params=query, headers=bearer(owner_tokens))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_identity_records_each_sensitive_action_with_who_and_from_where(identity_app, identity_api):
    owner = await new_owner(identity_app)
    here = {"X-Real-IP": "203.0.113.7"}
    signed = await identity_api.post(
        "/api/identity/sign-in", json={"email": owner.email, "password": owner.password}, headers=here
    )
    owner_tokens = signed.json()
    failed = await identity_api.post(
        "/api/identity/sign-in", json={"email": owner.email, "password": "not it at all 1"}, headers=here
    )
    assert failed.status_code == 401
    staff = await invited_member(identity_api, owner_tokens, role="staff")
    owner_headers = {**bearer(owner_tokens), **here}
    await identity_api.patch(f"/api/identity/users/{staff.user_id}", json={"role": "manager"}, headers=owner_headers)
    await identity_api.post(f"/api/identity/users/{staff.user_id}/disable", headers=owner_headers)
    token = (
        await identity_api.post(
            "/api/identity/api-tokens", json={"name": "ERP", "role": "staff", "ttl_days": 1}, headers=owner_headers
        )
    ).json()
    await identity_api.post(f"/api/identity/api-tokens/{token['id']}/revoke", headers=owner_headers)
    await identity_api.post(
        "/api/identity/sign-out", json={"refresh_token": owner_tokens["refresh_token"]}, headers=here
    )
    again = await tokens_of(identity_api, owner)
    items = (await trail(identity_api, again))["items"]
    actions = [e["action"] for e in reversed(items)]
    assert actions == [
        "session.signed_in",
        "session.sign_in_failed",
        "user.invited",
        "user.role_changed",
        "user.disabled",
        "api_token.created",
        "api_token.revoked",
        "session.signed_out",
        "session.signed_in",
    ]
    by_action = {e["action"]: e for e in items}
    changed = by_action["user.role_changed"]
    assert changed["user_id"] == str(owner.user_id) and changed["role"] == "owner"
    assert changed["target"] == f"user:{staff.user_id}" and changed["detail"] == {"from": "staff", "to": "manager"}
    assert changed["client_address"] == "203.0.113.7" and changed["source"] == "identity"
    assert by_action["session.sign_in_failed"]["user_id"] is None
    assert by_action["session.sign_in_failed"]["client_address"] == "203.0.113.7"
    assert by_action["api_token.revoked"]["target"] == f"api_token:{token['id']}"


async def test_a_forged_x_real_ip_from_an_untrusted_peer_is_not_recorded(identity_app):
    from tests.support import in_process

    identity_app.state.settings.trusted_proxies = ["192.0.2.1/32"]
    try:
        owner = await new_owner(identity_app)
        async with in_process(identity_app) as api:
            signed = await api.post(
                "/api/identity/sign-in",
                json={"email": owner.email, "password": owner.password},
                headers={"X-Real-IP": "198.51.100.9"},
            )
            items = (await trail(api, signed.json(), action="session.signed_in"))["items"]
    finally:
        identity_app.state.settings.trusted_proxies = ["127.0.0.1/32", "::1/128"]
    assert items[0]["client_address"] != "198.51.100.9"


async def test_the_other_services_audit_events_join_the_trail_once(identity_app, identity_api):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    at = datetime.now(UTC).replace(microsecond=0)
    payload = {
        "action": "client.erased",
        "user_id": str(owner.user_id),
        "role": "owner",
        "target": "client:42",
        "client_address": "203.0.113.8",
        "at": at.isoformat(),
        "detail": {"reason": "RGPD"},
    }
    event_id = None
    for exchange, action in (("negoce.clients", "client.erased"), ("negoce.mailings", "campaign.printed")):
        sent = await publish_event(
            AMQP_URL,
            exchange=exchange,
            event_type="audit.recorded",
            account_id=owner.account_id,
            payload={**payload, "action": action},
        )
        event_id = event_id or sent
    # The first again, as a redelivery would bring it.
    await publish_event(
        AMQP_URL,
        exchange="negoce.clients",
        event_type="audit.recorded",
        account_id=owner.account_id,
        payload=payload,
        event_id=event_id,
    )

    async def both() -> list | None:
        items = (await trail(identity_api, owner_tokens, action="client.erased"))["items"]
        printed = (await trail(identity_api, owner_tokens, action="campaign.printed"))["items"]
        return items + printed if items and printed else None

    erased, printed = await eventually(both)
    await publish_event(
        AMQP_URL,
        exchange="negoce.clients",
        event_type="audit.recorded",
        account_id=owner.account_id,
        payload={**payload, "action": "marker"},
    )
    await eventually(lambda: _has(identity_api, owner_tokens, "marker"))
    assert len((await trail(identity_api, owner_tokens, action="client.erased"))["items"]) == 1
    assert (erased["source"], printed["source"]) == ("clients", "mailings")
    assert erased["target"] == "client:42" and erased["detail"] == {"reason": "RGPD"}
    assert datetime.fromisoformat(erased["at"]) == at and erased["client_address"] == "203.0.113.8"


async def _has(api, owner_tokens, action):
    return (await trail(api, owner_tokens, action=action))["items"] or None


async def test_the_trail_is_read_by_pages_and_filters(identity_app, identity_api):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    for _ in range(4):
        await tokens_of(identity_api, owner)
    first = await trail(identity_api, owner_tokens, action="session.signed_in", limit=2)
    assert len(first["items"]) == 2 and first["next"] is not None
    second = (await identity_api.get(first["next"], headers=bearer(owner_tokens))).json()
    third = (await identity_api.get(second["next"], headers=bearer(owner_tokens))).json()
    ids = [e["id"] for e in first["items"] + second["items"] + third["items"]]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True) and third["next"] is None
    mine = await trail(identity_api, owner_tokens, user_id=str(owner.user_id))
    assert {e["user_id"] for e in mine["items"]} == {str(owner.user_id)}
    later = datetime.now(UTC) + timedelta(hours=1)
    assert (await trail(identity_api, owner_tokens, **{"from": later.isoformat()}))["items"] == []
    window = {"from": (later - timedelta(days=1)).isoformat(), "to": later.isoformat()}
    assert len((await trail(identity_api, owner_tokens, **window))["items"]) == 5
    other_owner_tokens = await tokens_of(identity_api, await new_owner(identity_app))
    theirs = await trail(identity_api, other_owner_tokens, user_id=str(owner.user_id))
    assert theirs["items"] == []  # another account's trail stays its own


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"user_id": "someone"}, "user_id"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-01-01T00:00:00"}, "from"),
        ({"to": "0001-01-01T00:00:00+14:00"}, "to"),
        ({"from": "2026-02-01T00:00:00+00:00", "to": "2026-01-01T00:00:00+00:00"}, "to"),
        ({"before": "0"}, "before"),
        ({"limit": "1000"}, "limit"),
        ({"action": ""}, "action"),
    ],
)
async def test_bad_filters_are_422_naming_the_field(identity_app, identity_api, query, field):
    owner_tokens = await tokens_of(identity_api, await new_owner(identity_app))
    answer = await identity_api.get("/api/identity/audit", params=query, headers=bearer(owner_tokens))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in answer.json()["errors"]]


async def test_only_an_owner_reads_the_trail(identity_app, identity_api):
    owner_tokens = await tokens_of(identity_api, await new_owner(identity_app))
    manager = await invited_member(identity_api, owner_tokens, role="manager")
    refused = await identity_api.get("/api/identity/audit", headers=bearer(await tokens_of(identity_api, manager)))
    assert refused.status_code == 403
    assert (await identity_api.get("/api/identity/audit")).status_code == 401


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entries SET action = 'nothing'", "DELETE FROM audit_entries", "TRUNCATE audit_entries"],
)
async def test_the_trail_cannot_be_rewritten(identity_app, identity_api, identity_sql, statement):
    await tokens_of(identity_api, await new_owner(identity_app))
    before = await identity_sql("SELECT count(*) AS n FROM audit_entries")
    with pytest.raises(DBAPIError, match="append-only"):
        await identity_sql(statement)
    assert await identity_sql("SELECT count(*) AS n FROM audit_entries") == before
