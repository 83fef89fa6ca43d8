"""Tokens from a real sign-in work in every service; a sign-out or a disabled user is refused by all within 5 s.

Identity runs in process with its relay; the four services run with their consumers, so the
account, the user and the revocation travel as identity's events over the real broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import running
from tests.identity_support import (  # noqa: F401 (fixtures)
    bearer,
    identity_api,
    identity_app,
    invited_member,
    new_owner,
    tokens_of,
)
from tests.support import eventually, in_process

# One read-only endpoint per service: what a token may do is not the question here.
PROBES = {
    "clients": "/api/clients/settings",
    "orders": "/api/orders/products",
    "reminders": "/api/reminders/settings",
    "mailings": "/api/mailings/label-formats",
}
REFUSAL_LIMIT_SECONDS = 5.0


@pytest.fixture(scope="module")
async def services() -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """The four services, each with its identity consumers and its access guard running."""
    async with contextlib.AsyncExitStack() as stack:
        clients = {}
        for name in PROBES:
            app: FastAPI = importlib.import_module(f"services.{name}.app").create_app()
            await stack.enter_async_context(running(app))
            clients[name] = await stack.enter_async_context(in_process(app))
        yield clients


async def _statuses(services: dict[str, httpx.AsyncClient], headers: dict[str, str]) -> dict[str, int]:
    answers = await asyncio.gather(*(http.get(PROBES[name], headers=headers) for name, http in services.items()))
    return {name: answer.status_code for name, answer in zip(services, answers, strict=True)}


async def _refused_everywhere_within_limit(services: dict[str, httpx.AsyncClient], headers: dict[str, str]) -> float:
    started = time.monotonic()
    await eventually(lambda: _all(services, headers, 401), timeout=REFUSAL_LIMIT_SECONDS + 5, interval=0.1)
    return time.monotonic() - started


async def _all(services: dict[str, httpx.AsyncClient], headers: dict[str, str], status: int) -> bool:
    return set((await _statuses(services, headers)).values()) == {status}


@pytest.mark.timeout(120)
async def test_a_signed_out_session_and_a_disabled_user_are_refused_by_every_service_within_5_seconds(
    identity_app, identity_api, services
):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    # account.created reaches every service: the owner's token opens each of them.
    await eventually(lambda: _all(services, bearer(owner_tokens), 200), timeout=20, interval=0.1)

    signed_out = await identity_api.post(
        "/api/identity/sign-out", json={"refresh_token": owner_tokens["refresh_token"]}
    )
    assert signed_out.status_code in (200, 204), signed_out.text
    assert await _refused_everywhere_within_limit(services, bearer(owner_tokens)) < REFUSAL_LIMIT_SECONDS

    owner_tokens = await tokens_of(identity_api, owner)
    staff = await invited_member(identity_api, owner_tokens, role="staff")
    staff_tokens = await tokens_of(identity_api, staff)
    await eventually(lambda: _all(services, bearer(staff_tokens), 200), timeout=20, interval=0.1)
    disabled = await identity_api.post(f"/api/identity/users/{staff.user_id}/disable", headers=bearer(owner_tokens))
    assert disabled.status_code == 200, disabled.text
    assert await _refused_everywhere_within_limit(services, bearer(staff_tokens)) < REFUSAL_LIMIT_SECONDS
    # The owner, neither signed out nor disabled, still works everywhere.
    assert await _all(services, bearer(owner_tokens), 200)


@pytest.mark.timeout(120)
async def test_blocks_exports_and_erasures_reach_the_owners_audit_trail_with_who_and_from_where(
    identity_app, identity_api, services
):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    manager = await invited_member(identity_api, owner_tokens, role="manager")
    headers = bearer(await tokens_of(identity_api, manager)) | {"X-Real-IP": "203.0.113.9"}
    clients = services["clients"]
    await eventually(lambda: _all(services, headers, 200), timeout=20, interval=0.1)
    created = await clients.post("/api/clients", json={"company_name": "Cave Audit"}, headers=headers)
    client_id = created.json()["id"]
    assert (
        await clients.post(f"/api/clients/{client_id}/block", json={"reason": "impayés"}, headers=headers)
    ).is_success
    assert (await clients.get("/api/clients/exports/clients.csv", headers=headers)).status_code == 200

    async def trail() -> list[dict]:
        answer = await identity_api.get(
            "/api/identity/audit", params={"user_id": str(manager.user_id)}, headers=bearer(owner_tokens)
        )
        assert answer.status_code == 200, answer.text
        entries = answer.json()["items"]
        return entries if {"client.blocked", "export.downloaded"} <= {e["action"] for e in entries} else []

    entries = {e["action"]: e for e in await eventually(trail, timeout=20, interval=0.2)}
    blocked = entries["client.blocked"]
    assert blocked["target"] == f"client:{client_id}" and blocked["detail"] == {}  # no free text in the trail
    assert blocked["role"] == "manager" and blocked["client_address"] == "203.0.113.9"
    assert entries["export.downloaded"]["target"] == "clients.csv"
    # A manager may not read the trail; only owners do.
    refused = await identity_api.get("/api/identity/audit", headers=headers)
    assert refused.status_code == 403


@pytest.mark.timeout(120)
async def test_a_revoked_api_token_and_a_lowered_role_take_effect_in_every_service_within_5_seconds(
    identity_app, identity_api, services
):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    made = await identity_api.post(
        "/api/identity/api-tokens",
        json={"name": "Logiciel de caisse", "role": "staff", "ttl_days": 30},
        headers=bearer(owner_tokens),
    )
    assert made.status_code == 201, made.text
    integration = {"Authorization": f"Bearer {made.json()['token']}"}
    await eventually(lambda: _all(services, integration, 200), timeout=20, interval=0.1)
    revoked = await identity_api.post(
        f"/api/identity/api-tokens/{made.json()['id']}/revoke", headers=bearer(owner_tokens)
    )
    assert revoked.is_success, revoked.text
    assert await _refused_everywhere_within_limit(services, integration) < REFUSAL_LIMIT_SECONDS

    manager = await invited_member(identity_api, owner_tokens, role="manager")
    manager_tokens = await tokens_of(identity_api, manager)
    await eventually(lambda: _all(services, bearer(manager_tokens), 200), timeout=20, interval=0.1)
    lowered = await identity_api.patch(
        f"/api/identity/users/{manager.user_id}", json={"role": "read_only"}, headers=bearer(owner_tokens)
    )
    assert lowered.status_code == 200, lowered.text
    # The manager's token predates the change: refused everywhere; a new one carries read_only.
    assert await _refused_everywhere_within_limit(services, bearer(manager_tokens)) < REFUSAL_LIMIT_SECONDS
    now_read_only = bearer(await tokens_of(identity_api, manager))
    assert await _all(services, now_read_only, 200)
    refused = await services["clients"].post("/api/clients", json={"company_name": "X"}, headers=now_read_only)
    assert refused.status_code == 403, refused.text
