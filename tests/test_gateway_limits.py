"""The gateway's guards: a rate limit per client address that answers 429 problem+json, and the headers
that keep an account's answers out of caches, frames and content sniffing."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from tests.access_support import account_token, free_port
from tests.stack_support import NGINX, ROOT, stop_process, wait_until_ready


@contextlib.asynccontextmanager
async def gateway_alone(*, rate_limit: int, rate_burst: int) -> AsyncIterator[str]:
    """nginx rendered from deploy/ with no service behind it: what it answers by itself (429s, 502s)."""
    runtime = Path(tempfile.mkdtemp(prefix="negoce-limits-"))
    port = free_port()
    subprocess.run(
        ["sh", str(ROOT / "deploy/render-nginx.sh"), str(runtime), str(port), *(str(free_port()) for _ in range(7))],
        check=True,
        env={**os.environ, "RATE_LIMIT": str(rate_limit), "RATE_BURST": str(rate_burst)},
    )
    nginx = subprocess.Popen([NGINX, "-e", "stderr", "-p", str(runtime), "-c", str(runtime / "nginx.conf")])
    try:
        await wait_until_ready(f"http://127.0.0.1:{port}/health", timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        await stop_process(nginx)
        shutil.rmtree(runtime, ignore_errors=True)


async def test_rapid_requests_past_the_burst_are_refused_with_429_problem_json():
    async with gateway_alone(rate_limit=5, rate_burst=20) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:
        answers = [await http.get("/api/clients", headers={"Authorization": "Bearer not-a-token"}) for _ in range(200)]
        console = await http.get("/connexion")
    statuses = [answer.status_code for answer in answers]
    # 502: let through to a service that is not there; 429: refused by the gateway itself.
    assert set(statuses) == {502, 429}
    # The burst, plus what the rate refilled while the requests were sent, went through; no more.
    assert 20 <= statuses.count(502) <= 60, statuses
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1" and refused.headers["x-request-id"]
    problem = refused.json()
    assert problem["status"] == 429 and problem["title"] == "Too Many Requests"
    assert problem["request_id"] == refused.headers["x-request-id"]
    # The limit guards the API; the console's pages are its own (it throttles its sign-in itself).
    assert console.status_code == 502


async def test_api_answers_are_never_cached_sniffed_or_framed(gateway):
    token = account_token(uuid.uuid4())
    async with httpx.AsyncClient(base_url=gateway, timeout=10) as http:
        listed = await http.get("/api/clients", headers={"Authorization": f"Bearer {token}"})
        refused = await http.get("/api/orders/orders")
        unknown = await http.get("/api/nothing/here")
        keys = await http.get("/api/identity/.well-known/jwks.json")
    for answer in (listed, refused, unknown):
        assert answer.headers.get("cache-control") == "no-store", (answer.request.url, answer.headers)
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert listed.status_code == 200 and refused.status_code == 401 and unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json" and unknown.headers["x-request-id"]
    # The public keys keep identity's own caching: every service reads them again only when it expires.
    assert keys.status_code == 200 and keys.headers.get_list("cache-control") == ["public, max-age=300"]
