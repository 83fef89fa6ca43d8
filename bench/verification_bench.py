"""What verifying an access token costs a service: in process, and on the list route with and without it.

The clients service app runs in this process against a small database of its own (a seeded account),
with its lifespan started as uvicorn would, and fetches identity's published keys over HTTP from the
identity process the sign-in benchmark started; the tokens are real ones from those sign-ins.

  * verify: ``ServiceAccess.keys.verify`` (PublishedKeys, key set cached) then ``guard.check``
    (AccessGuard, its copy loaded), exactly what ``shared.auth.current_principal`` awaits, timed
    one token at a time; p50/p95/p99 in microseconds.
  * list: GET /api/clients?limit=50 sent in process (httpx.ASGITransport) in three interleaved arms:
    ``plain`` (the app as it is), ``verified`` and ``unverified``. FastAPI rebuilds every dependency
    of a request once any override is set, so both compared arms override ``current_principal``
    with a function of the same signature: one awaits the real ``current_principal``, the other
    returns the same principal without looking at the token. Their p50 difference is what
    verification adds to the request (with a bootstrap interval: the request itself varies by
    milliseconds); the time spent inside each override is timed as well, and ``plain`` shows what
    the override machinery itself costs. Each round sends the three arms in a shuffled order.
Nothing here touches a production setting: the override exists only inside this process.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import os
import random
import statistics
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from bench.config import raw_dsn, sync_url
from bench.events_stack import SEED_SQL, check_seed_columns
from bench.list_bench import percentile
from shared.auth import Principal, ServiceAccess, _bearer, current_principal
from shared.client_address import client_address
from shared.migrations import upgrade
from shared.tokens import key_id_of, public_key_of

DATABASE_URL = os.environ.get(
    "NEGOCE_BENCH_VERIFY_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_bench_verify_clients"
)
TARGET_ADDED_P50_US = 200.0
ARMS = ("plain", "verified", "unverified")


@dataclass(frozen=True)
class KnownUser:
    """A user of the identity bench account, as identity's user.joined announces them to the clients service."""

    user_id: uuid.UUID
    email: str
    name: str
    role: str


def micro_summary(samples_us: list[float]) -> dict[str, float]:
    """p50/p95/p99/max of microsecond samples."""
    return {
        "p50_us": round(percentile(samples_us, 50), 1),
        "p95_us": round(percentile(samples_us, 95), 1),
        "p99_us": round(percentile(samples_us, 99), 1),
        "max_us": round(max(samples_us), 1),
        "n": len(samples_us),
    }


def prepare_database(*, account_id: uuid.UUID, users: list[KnownUser], clients: int) -> None:
    """Drop, recreate and migrate the clients database, seed the account, and announce it and its users."""
    check_seed_columns()
    url = make_url(sync_url(DATABASE_URL))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()
    upgrade(service="clients", sync_url=sync_url(DATABASE_URL))
    asyncio.run(_seed(account_id=account_id, users=users, clients=clients))


async def _seed(*, account_id: uuid.UUID, users: list[KnownUser], clients: int) -> None:
    conn = await asyncpg.connect(raw_dsn(DATABASE_URL))
    try:
        async with conn.transaction():
            await conn.execute("INSERT INTO accounts (id, name) VALUES ($1, $2)", account_id, "Bench — sign-in")
            await conn.execute(SEED_SQL, account_id, clients)
            # What identity's account.created and user.joined leave in the clients service's copy.
            await conn.execute(
                "INSERT INTO known_accounts (account_id, name) VALUES ($1, $2)", account_id, "Bench — sign-in"
            )
            await conn.executemany(
                "INSERT INTO known_users (user_id, account_id, email, name, role, active, joined, as_of) "
                "VALUES ($1, $2, $3, $4, $5, true, true, now())",
                [(u.user_id, account_id, u.email, u.name, u.role) for u in users],
            )
        await conn.execute("VACUUM (ANALYZE) clients")
    finally:
        await conn.close()


async def time_verification(
    access: ServiceAccess, tokens: list[str], *, count: int, jwks: dict[str, Any]
) -> dict[str, Any]:
    """Microseconds of keys.verify + guard.check per token, ``count`` times over the tokens, after a warm-up."""
    for token in tokens:
        await access.guard.check(await access.keys.verify(token))
    both: list[float] = []
    verify: list[float] = []
    check: list[float] = []
    gc.collect()
    gc.disable()  # the harness's own collections are not the verification's cost
    try:
        for i in range(count):
            token = tokens[i % len(tokens)]
            started = time.perf_counter_ns()
            claims = await access.keys.verify(token)
            verified = time.perf_counter_ns()
            await access.guard.check(claims)
            done = time.perf_counter_ns()
            both.append((done - started) / 1e3)
            verify.append((verified - started) / 1e3)
            check.append((done - verified) / 1e3)
    finally:
        gc.enable()
    return {
        "keys_verify_and_guard_check": micro_summary(both),
        "keys_verify": micro_summary(verify),
        "guard_check": micro_summary(check),
        "ed25519_signature_only": micro_summary(_time_signatures(jwks, tokens, count=count)),
        "distinct_tokens": len(tokens),
    }


def _time_signatures(jwks: dict[str, Any], tokens: list[str], *, count: int) -> list[float]:
    """Microseconds of the bare Ed25519 check of each token's signature: the floor of any EdDSA verification."""
    kid = key_id_of(tokens[0])
    key = public_key_of(next(k for k in jwks["keys"] if k["kid"] == kid))
    parsed: list[tuple[bytes, bytes]] = []
    for token in tokens:
        signing_input, _, encoded = token.rpartition(".")
        parsed.append((base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)), signing_input.encode()))
    samples = []
    gc.disable()
    try:
        for i in range(count):
            signature, signed = parsed[i % len(parsed)]
            started = time.perf_counter_ns()
            key.verify(signature, signed)
            samples.append((time.perf_counter_ns() - started) / 1e3)
    finally:
        gc.enable()
    return samples


async def time_list_arms(
    app: Any, token: str, principal: Principal, *, requests: int, warmup: int = 50
) -> dict[str, Any]:
    """Milliseconds of GET /api/clients?limit=50 in process, the three arms interleaved request by request."""

    # Time spent inside each override too: verification in the middle of a real request, without the
    # noise of the rest of the request around it.
    inside: dict[str, list[float]] = {"verified": [], "unverified": []}
    timing = False

    async def verified(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Principal:
        started = time.perf_counter_ns()
        found = await current_principal(request, credentials)
        if timing:
            inside["verified"].append((time.perf_counter_ns() - started) / 1e3)
        return found

    async def unverified(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Principal:
        started = time.perf_counter_ns()
        if credentials is None:
            raise RuntimeError("the bench sends a bearer token with every request")
        # The same principal current_principal would build, the token left unchecked.
        address = client_address(request, trusted_proxies=request.app.state.settings.trusted_proxies)
        found = Principal(
            account_id=principal.account_id,
            user_id=principal.user_id,
            role=principal.role,
            user_name=principal.user_name,
            client_address=address,
        )
        if timing:
            inside["unverified"].append((time.perf_counter_ns() - started) / 1e3)
        return found

    overrides = {"plain": None, "verified": verified, "unverified": unverified}
    samples: dict[str, list[float]] = {arm: [] for arm in ARMS}
    bodies: dict[str, Any] = {}
    order = random.Random(1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://clients.bench", headers={"Authorization": f"Bearer {token}"}
    ) as client:
        for round_number in range(warmup + requests):
            if round_number == warmup:
                gc.collect()
                gc.disable()
                timing = True
            # Each round sends one request of every arm, in a new order: no arm always follows another.
            for arm in order.sample(ARMS, k=len(ARMS)):
                override = overrides[arm]
                if override is None:
                    app.dependency_overrides.pop(current_principal, None)
                else:
                    app.dependency_overrides[current_principal] = override
                started = time.perf_counter_ns()
                answer = await client.get("/api/clients", params={"limit": 50})
                elapsed = (time.perf_counter_ns() - started) / 1e6
                if answer.status_code != 200:
                    gc.enable()
                    raise RuntimeError(f"GET /api/clients ({arm}) -> {answer.status_code}: {answer.text[:300]}")
                if timing:
                    samples[arm].append(elapsed)
                bodies.setdefault(arm, answer.json())
        gc.enable()
    app.dependency_overrides.pop(current_principal, None)
    figures: dict[str, Any] = {
        arm: {
            "p50_ms": round(percentile(s, 50), 3),
            "p95_ms": round(percentile(s, 95), 3),
            "max_ms": round(max(s), 3),
            "n": len(s),
        }
        for arm, s in samples.items()
    }
    figures["inside_dependency"] = {arm: micro_summary(s) for arm, s in inside.items()}
    figures["added_inside_p50_us"] = round(
        figures["inside_dependency"]["verified"]["p50_us"] - figures["inside_dependency"]["unverified"]["p50_us"], 1
    )
    figures["same_rows"] = len({str(b["items"]) for b in bodies.values()}) == 1 and len(bodies["plain"]["items"]) > 0
    figures["added_p50_us"] = round((figures["verified"]["p50_ms"] - figures["unverified"]["p50_ms"]) * 1e3, 1)
    figures["added_p50_us_95ci"] = _bootstrap_interval(samples["verified"], samples["unverified"])
    return figures


def _bootstrap_interval(a: list[float], b: list[float], rounds: int = 400) -> tuple[float, float]:
    """95% bootstrap interval, in microseconds, of p50(a) - p50(b): how much the difference is noise."""
    draw = random.Random(0)
    differences = sorted(
        statistics.median(draw.choices(a, k=len(a))) - statistics.median(draw.choices(b, k=len(b)))
        for _ in range(rounds)
    )
    return round(percentile(differences, 2.5) * 1e3, 1), round(percentile(differences, 97.5) * 1e3, 1)


async def measure(*, jwks_url: str, tokens: list[str], verifications: int, list_requests: int) -> dict[str, Any]:
    """Start the clients app in process against the bench database and time both measurements."""
    from services.clients.app import create_app
    from services.clients.settings import ClientsSettings

    settings = ClientsSettings(
        database_url=DATABASE_URL,
        identity_jwks_url=jwks_url,
        # Nothing to consume or relay here, and no queue of a developer's stack on the default vhost is touched.
        run_consumers=False,
        run_outbox_relay=False,
        database_pool_size=3,
        # A log line per request (httpx's own at INFO) would be timed with the requests.
        log_level="WARNING",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        access: ServiceAccess = app.state.access
        async with httpx.AsyncClient() as fetcher:
            jwks = (await fetcher.get(jwks_url)).raise_for_status().json()
        micro = await time_verification(access, tokens, count=verifications, jwks=jwks)
        claims = await access.keys.verify(tokens[0])
        principal = Principal(
            account_id=claims.account_id,
            user_id=str(claims.user_id),
            role=claims.role,
            user_name=await access.guard.check(claims),
        )
        arms = await time_list_arms(app, tokens[0], principal, requests=list_requests)
    return {"verification": micro, "list_in_process": arms}
