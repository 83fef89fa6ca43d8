"""Every service refuses bad tokens with 401 problem+json, and keeps honouring good ones while identity is down."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import json
import uuid
from collections.abc import AsyncIterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from bench.tokens import BenchKeys
from tests.access_support import account_token, announce_account, mint_token, signing_key
from tests.conftest import JWT_SECRET, running
from tests.support import in_process

PROBES = {
    "clients": "/api/clients/settings",
    "orders": "/api/orders/products",
    "reminders": "/api/reminders/settings",
    "mailings": "/api/mailings/label-formats",
}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _settings_of(service: str, **values: object) -> object:
    module = importlib.import_module(f"services.{service}.app")
    return type(module.create_app().state.settings)(run_consumers=False, run_outbox_relay=False, **values)


@pytest.fixture(scope="module")
async def apps() -> AsyncIterator[dict[str, FastAPI]]:
    """Each service's API, checking tokens against the identity test process's keys."""
    async with contextlib.AsyncExitStack() as stack:
        started = {}
        for service in PROBES:
            app = importlib.import_module(f"services.{service}.app").create_app(_settings_of(service))
            started[service] = await stack.enter_async_context(running(app))
        yield started


def bad_tokens(account_id: uuid.UUID) -> dict[str, str]:
    """A token for each way of being wrong, all naming a real account."""
    good = mint_token(account_id=account_id)
    header, claims = jwt.get_unverified_header(good), jwt.decode(good, options={"verify_signature": False})
    kid = header["kid"]
    closed = uuid.uuid4()
    announce_account(closed, closed=True)
    return {
        "garbage": "not.a.token",
        "expired": mint_token(account_id=account_id, ttl_seconds=-120),
        "forged": jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid}),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}.",
        "hs256 with the old shared secret": jwt.encode(claims, JWT_SECRET, algorithm="HS256", headers={"kid": kid}),
        "unknown kid": jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "nope"}),
        "wrong audience": mint_token(account_id=account_id, extra={"aud": "someone-else"}),
        "wrong issuer": mint_token(account_id=account_id, extra={"iss": "someone-else"}),
        "no expiry": jwt.encode(
            {k: v for k, v in claims.items() if k != "exp"}, signing_key()[1], algorithm="EdDSA", headers={"kid": kid}
        ),
        "unknown role": mint_token(account_id=account_id, role="admin"),
        "unknown account": mint_token(account_id=uuid.uuid4()),
        "closed account": mint_token(account_id=closed),
    }


@pytest.mark.parametrize("service", PROBES)
async def test_every_bad_token_is_a_401_problem_and_the_good_one_passes(apps, service):
    account_id = uuid.uuid4()
    good = account_token(account_id)
    async with in_process(apps[service]) as http:
        assert (await http.get(PROBES[service], headers={"Authorization": f"Bearer {good}"})).status_code == 200
        for name, token in bad_tokens(account_id).items():
            answer = await http.get(PROBES[service], headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 401, (name, answer.text)
            assert answer.headers["content-type"] == "application/problem+json", name
        assert (await http.get(PROBES[service])).status_code == 401


async def test_tokens_already_issued_keep_working_while_identity_is_down():
    keys = BenchKeys()
    account_id = uuid.uuid4()
    announce_account(account_id)
    settings = _settings_of("orders", identity_jwks_url=keys.jwks_url, identity_jwks_max_age_seconds=1)
    app = importlib.import_module("services.orders.app").create_app(settings)
    async with running(app), in_process(app) as http:
        first = keys.token(account_id=account_id, user="tester")
        assert (await http.get("/api/orders/products", headers={"Authorization": f"Bearer {first}"})).status_code == 200
        keys.close()  # identity is gone
        await asyncio.sleep(1.5)  # past the keys' max age: the service tries to fetch them again, and fails
        later = keys.token(account_id=account_id, user="tester")
        answer = await http.get("/api/orders/products", headers={"Authorization": f"Bearer {later}"})
        assert answer.status_code == 200, answer.text
        stranger = mint_token(account_id=account_id)  # signed by a key it never saw: refused, not a 500
        assert (
            await http.get("/api/orders/products", headers={"Authorization": f"Bearer {stranger}"})
        ).status_code == 401


async def test_a_service_that_never_reached_identity_answers_503_with_retry_after_not_500():
    account_id = uuid.uuid4()
    settings = _settings_of("mailings", identity_jwks_url="http://127.0.0.1:9/api/identity/.well-known/jwks.json")
    app = importlib.import_module("services.mailings.app").create_app(settings)
    async with running(app), in_process(app) as http:
        answer = await http.get(
            "/api/mailings/label-formats", headers={"Authorization": f"Bearer {account_token(account_id)}"}
        )
    assert answer.status_code == 503 and answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["Retry-After"]) > 0
