"""The whole system as `make run` starts it: four service processes behind the nginx gateway."""

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.access_support import free_port
from tests.conftest import SERVICES
from tests.stack_support import NGINX, ROOT, stop_process, wait_until_ready

UVICORN = str(Path(sys.executable).with_name("uvicorn"))


@contextlib.asynccontextmanager
async def running_gateway(
    apps: dict[str, str] | None = None, *, rate_limit: int = 10_000, rate_burst: int = 10_000
) -> AsyncIterator[str]:
    """Start each service with uvicorn and nginx rendered from deploy/; yield the gateway's base URL.

    ``apps`` replaces a service's app factory (``module:function``) for a test that needs one. The rate
    limit is lifted unless asked for: the fuzzers send hundreds of requests a second from one address.
    """
    # The console too: the gateway sends it every path outside /api, which must never answer a 5xx.
    factories = {s: f"services.{s}.app:create_app" for s in (*SERVICES, "console")} | (apps or {})
    ports = {service: free_port() for service in factories}
    gateway_port, internal_port = free_port(), free_port()
    runtime = Path(tempfile.mkdtemp(prefix="negoce-gateway-"))
    # As make run does: the mailings service resolves campaigns through the clients service itself.
    env = {
        **os.environ,
        "NEGOCE_MAILINGS_CLIENTS_URL": f"http://127.0.0.1:{ports['clients']}",
        "NEGOCE_CONSOLE_API_URL": f"http://127.0.0.1:{internal_port}",
    }
    processes = [
        subprocess.Popen(
            [UVICORN, "--factory", factories[s], "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for s, port in ports.items()
    ]
    try:
        subprocess.run(
            [
                "sh",
                str(ROOT / "deploy/render-nginx.sh"),
                str(runtime),
                str(gateway_port),
                *(str(ports[s]) for s in ("clients", "orders", "reminders", "mailings", "identity")),
                *(str(ports["console"]), str(internal_port)),
            ],
            check=True,
            cwd=ROOT,
            env={**os.environ, "RATE_LIMIT": str(rate_limit), "RATE_BURST": str(rate_burst)},
        )
        processes.append(
            subprocess.Popen(
                [NGINX, "-e", "stderr", "-p", str(runtime), "-c", str(runtime / "nginx.conf")],
                stderr=subprocess.DEVNULL,
            )
        )
        base = f"http://127.0.0.1:{gateway_port}"
        for service in (*SERVICES, "console"):
            await wait_until_ready(f"{base}/ready/{service}")
        yield base
    finally:
        await asyncio.gather(*(stop_process(process) for process in processes))
        shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[str]:
    """The whole system behind the gateway, for a test module."""
    async with running_gateway() as base:
        yield base


async def test_every_service_is_ready_behind_the_gateway(gateway):
    async with httpx.AsyncClient(base_url=gateway) as http:
        assert (await http.get("/health")).status_code == 200
        for service in SERVICES:
            ready = (await http.get(f"/ready/{service}")).json()
            assert ready["checks"] == {"database": True, "broker": True}, service


async def test_clients_are_listed_through_the_gateway_for_their_account_only(gateway, clients_app):
    from tests.conftest import new_account

    owner, other = await new_account(clients_app, "Owner"), await new_account(clients_app, "Other")
    async with httpx.AsyncClient(base_url=gateway) as http:
        created = await http.post(
            "/api/clients",
            json={"company_name": "Cave du Port"},
            headers={**owner.headers, "X-Request-ID": "gateway-test-0001"},
        )
        assert created.status_code == 201, created.text
        assert created.headers["x-request-id"] == "gateway-test-0001"
        mine = (await http.get("/api/clients", headers=owner.headers)).json()
        assert [r["display_name"] for r in mine["items"]] == ["Cave du Port"]
        theirs = await http.get("/api/clients", headers=other.headers)
        assert theirs.json()["items"] == []
        assert (await http.get(f"/api/clients/{created.json()['id']}", headers=other.headers)).status_code == 404
        assert (await http.get("/api/clients")).status_code == 401


async def test_gateway_answers_unknown_paths_and_big_bodies_with_problems(gateway, clients_app):
    from tests.conftest import new_account

    account = await new_account(clients_app)
    async with httpx.AsyncClient(base_url=gateway) as http:
        unknown = await http.get("/api/nowhere")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem+json")
        big = await http.post(
            "/api/clients",
            content=b"{" + b" " * 3_000_000 + b"}",
            headers={**account.headers, "content-type": "application/json"},
        )
        assert big.status_code == 413


async def test_a_search_and_its_csv_go_through_the_gateway(gateway, clients_app):
    from tests.conftest import new_account

    account = await new_account(clients_app, "Gateway search")
    async with httpx.AsyncClient(base_url=gateway, headers=account.headers) as http:
        for name, city in (("Cave Hélène", "Bordeaux"), ("Cave du Nord", "Lille")):
            await http.post(
                "/api/clients",
                json={
                    "company_name": name,
                    "billing_address": {
                        "line1": "1 rue",
                        "postal_code": "33000" if city == "Bordeaux" else "59000",
                        "city": city,
                    },
                },
            )
        found = (await http.get("/api/clients", params={"q": "helene dept:33"})).json()
        assert [r["display_name"] for r in found["items"]] == ["Cave Hélène"]
        exported = await http.get("/api/clients/exports/clients.csv", params={"q": "cave"})
        assert exported.status_code == 200
        lines = exported.content.decode("utf-8-sig").splitlines()
        # CSV-quoted ="59000": Excel keeps the postal code's digits as text. Sorted by name: Nord first.
        assert len(lines) == 3 and '"=""59000"""' in lines[1] and '"=""33000"""' in lines[2]
        bad = await http.get("/api/clients", params={"q": "dept:"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["position"] == 1


async def test_an_idempotency_key_and_its_replayed_answer_go_through_the_gateway(gateway, clients_app):
    from tests.conftest import new_account

    account = await new_account(clients_app, "Gateway retry")
    headers = {**account.headers, "Idempotency-Key": "gateway-retry-0001"}
    async with httpx.AsyncClient(base_url=gateway, headers=headers) as http:
        first = await http.post("/api/clients", json={"company_name": "Cave du Retour"})
        again = await http.post("/api/clients", json={"company_name": "Cave du Retour"})
        assert first.status_code == again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
        other = await http.post("/api/clients", json={"company_name": "Autre cave"})
        assert other.status_code == 409 and other.json()["errors"][0]["field"] == "Idempotency-Key"
        listed = (await http.get("/api/clients")).json()
        assert [r["display_name"] for r in listed["items"]] == ["Cave du Retour"]
