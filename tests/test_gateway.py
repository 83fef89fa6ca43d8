"""The whole system as `make run` starts it: four service processes behind the nginx gateway."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SERVICES

ROOT = Path(__file__).resolve().parents[1]
UVICORN = str(Path(sys.executable).with_name("uvicorn"))
NGINX = os.environ.get("NEGOCE_NGINX_BIN") or shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not become ready")


@pytest.fixture(scope="module")
def gateway():
    """Start each service with uvicorn and nginx rendered from deploy/; stop them all afterwards."""
    ports = {service: _free_port() for service in SERVICES}
    gateway_port = _free_port()
    runtime = Path(tempfile.mkdtemp(prefix="negoce-gateway-"))
    processes = [
        subprocess.Popen([UVICORN, "--factory", f"services.{s}.app:create_app", "--host", "127.0.0.1",
                          "--port", str(port), "--no-access-log"], cwd=ROOT, env=os.environ.copy(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for s, port in ports.items()
    ]
    try:
        subprocess.run(["sh", str(ROOT / "deploy/render-nginx.sh"), str(runtime), str(gateway_port),
                        *(str(ports[s]) for s in ("clients", "orders", "reminders", "mailings"))],
                       check=True, cwd=ROOT)
        processes.append(subprocess.Popen([NGINX, "-e", "stderr", "-p", str(runtime), "-c",
                                           str(runtime / "nginx.conf")], stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{gateway_port}"
        for service in SERVICES:
            _wait(f"{base}/ready/{service}")
        yield base
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(runtime, ignore_errors=True)


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
        created = await http.post("/api/clients", json={"company_name": "Cave du Port"}, headers={
            **owner.headers, "X-Request-ID": "gateway-test-0001"})
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
        unknown = await http.get("/nowhere")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem+json")
        big = await http.post("/api/clients", content=b"{" + b" " * 3_000_000 + b"}",
                              headers={**account.headers, "content-type": "application/json"})
        assert big.status_code == 413
