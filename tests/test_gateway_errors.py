"""Errors through the real gateway: a service's 500, nginx's own errors, and where the documents are."""

from __future__ import annotations

import json
import re
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import create_engine, pool, text

from tests.access_support import account_token
from tests.conftest import SERVICES, database_url, new_account
from tests.failing_app import FAILING_PATH
from tests.reminders_support import send_client_event, snapshot
from tests.stack_support import ROOT, running_gateway
from tests.support import eventually

ROUNDS = 60


@pytest.fixture(scope="module")
async def gateway_with_a_failing_route() -> AsyncIterator[str]:
    """The whole system behind nginx, the reminders service carrying one route that raises."""
    async with running_gateway({"reminders": "tests.failing_app:create_app"}) as base:
        yield base


def _headers(account_id: uuid.UUID, user: str = "tester") -> dict[str, str]:
    return {"Authorization": f"Bearer {account_token(account_id, user)}"}


async def _client_known_to_reminders(account_id: uuid.UUID) -> int:
    client_id = int(uuid.uuid4().int % 10**12) + 10**12
    await send_client_event(account_id, "client.created", snapshot(client_id))
    engine = create_engine(database_url("reminders", sync=True), poolclass=pool.NullPool)
    try:

        def known() -> bool:
            with engine.connect() as connection:
                return (
                    connection.execute(
                        text("SELECT 1 FROM client_replicas WHERE client_id = :c"), {"c": client_id}
                    ).first()
                    is not None
                )

        await eventually(known)
    finally:
        engine.dispose()
    return client_id


async def test_one_accounts_failure_never_costs_another_account_its_write(gateway_with_a_failing_route):
    base = gateway_with_a_failing_route
    failing, writer = uuid.uuid4(), uuid.uuid4()
    async with httpx.AsyncClient(base_url=base, timeout=10) as a, httpx.AsyncClient(base_url=base, timeout=10) as b:
        zone = await b.put("/api/reminders/settings", json={"timezone": "Europe/Paris"}, headers=_headers(writer))
        assert zone.status_code == 200, zone.text
        client_id = await _client_known_to_reminders(writer)
        due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        answers = []
        for round_ in range(ROUNDS):
            failed = await a.get(FAILING_PATH, headers=_headers(failing))
            assert failed.status_code == 500, failed.text
            assert failed.headers["content-type"] == "application/problem+json"
            written = await b.post(
                "/api/reminders",
                headers=_headers(writer),
                json={"client_id": client_id, "due_at": due, "text": f"rappel {round_}"},
            )
            answers.append(written.status_code)
    assert answers == [201] * ROUNDS, f"{answers.count(502)} answers 502 in {ROUNDS}: {answers}"


def _raw_exchange(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes no HTTP client would write, and read the gateway's whole answer (it closes after an error)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /api/clients/%00 HTTP/1.1\r\nHost: gateway\r\n\r\n", 400),
        (b"GET /api/clients HTTP/1.1\r\nHost: gateway\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (b"GET /api/clients?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: gateway\r\n\r\n", 414),
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET /api/clients HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        (b"POST /api/clients HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"GET /api/clients HTTP/2.5\r\nHost: gateway\r\n\r\n", 505),
        (b"GET /_negoce/errors/400.json HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n", 404),
    ],
    ids=[
        "nul-in-path",
        "header-over-8kB",
        "uri-over-8kB",
        "no-request-line",
        "two-hosts",
        "unknown-transfer-encoding",
        "http-2.5",
        "internal-page",
    ],
)
def test_the_gateways_own_errors_are_problem_json(gateway_with_a_failing_route, request_bytes, status):
    code, headers, body = _raw_exchange(gateway_with_a_failing_route, request_bytes)
    assert code == status, body
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert problem["request_id"] == headers["x-request-id"]


async def test_one_page_links_every_services_documents_through_the_gateway(gateway_with_a_failing_route):
    async with httpx.AsyncClient(base_url=gateway_with_a_failing_route, timeout=10) as http:
        moved = await http.get("/docs")
        assert moved.status_code == 301 and moved.headers["location"] == "/api/docs"
        page = await http.get("/api/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        links = re.findall(r'href="([^"]+)"', page.text)
        for service in SERVICES:
            assert {f"/api/{service}/openapi.json", f"/api/{service}/asyncapi.json", f"/api/{service}/docs"} <= set(
                links
            ), service
        for link in links:
            answer = await http.get(link)
            assert answer.status_code == 200, (link, answer.text[:200])
            if link.endswith("openapi.json"):
                service = link.split("/")[2]
                assert answer.json() == json.loads((ROOT / f"docs/openapi/{service}.json").read_text())
            elif link.endswith("asyncapi.json"):
                assert answer.json()["channels"], link
            else:
                assert link.replace("/docs", "/openapi.json") in answer.text  # Swagger UI loads that document


@pytest.mark.parametrize(("kind", "marker"), [("clients", "export_line"), ("contacts", "spreadsheet_text")])
async def test_a_csv_that_fails_midway_is_a_cut_transfer_never_a_file_that_looks_whole(
    gateway_with_a_failing_route, clients_app, kind, marker
):
    """The database connection of a CSV stream dies after the header row went out: the client must see it.

    The stream's query waits behind a lock this test holds on the clients table, and its backend is
    then terminated, as a database restart would. Everything the request could check was checked
    before the 200 (a bad search is a 422); what fails afterwards aborts the chunked transfer.
    """
    account = await new_account(clients_app, "CSV cut")
    engine = create_engine(database_url("clients", sync=True), poolclass=pool.NullPool)
    async with httpx.AsyncClient(base_url=gateway_with_a_failing_route, headers=account.headers, timeout=30) as http:
        for name in ("Cave Une", "Cave Deux"):
            created = await http.post("/api/clients", json={"company_name": name, "email": "c@example.fr"})
            assert created.status_code == 201, created.text
        bad = await http.get(f"/api/clients/exports/{kind}.csv", params={"q": "created:0001-01-01"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "q"
        with engine.connect() as lock:
            lock.execute(text("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE"))
            async with http.stream("GET", f"/api/clients/exports/{kind}.csv", params={"q": "name:cave"}) as response:
                assert response.status_code == 200
                received = bytearray()
                chunks = response.aiter_raw()
                while b"\n" not in received:
                    received += await anext(chunks)

                def blocked_stream() -> list[int]:
                    with engine.connect() as watcher:
                        return list(
                            watcher.execute(
                                text(
                                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                                    " AND wait_event_type = 'Lock' AND position(:marker in query) > 0"
                                ),
                                {"marker": marker},
                            ).scalars()
                        )

                [pid] = await eventually(blocked_stream)
                with engine.connect() as killer:
                    assert killer.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
                lock.rollback()
                with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
                    async for chunk in chunks:
                        received += chunk
    engine.dispose()
    assert received.decode("utf-8-sig").count("\n") == 1  # the header row only, and the client knows it
