"""Errors through the real gateway: a service's 500, nginx's own errors, and where the documents are."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import create_engine, pool, text

from shared.auth import issue_token
from tests.conftest import JWT_SECRET, database_url
from tests.failing_app import FAILING_PATH
from tests.reminders_support import send_client_event, snapshot
from tests.support import eventually
from tests.test_gateway import running_gateway

ROUNDS = 60


@pytest.fixture(scope="module")
def gateway_with_a_failing_route() -> Iterator[str]:
    """The whole system behind nginx, the reminders service carrying one route that raises."""
    with running_gateway({"reminders": "tests.failing_app:create_app"}) as base:
        yield base


def _headers(account_id: uuid.UUID, user: str = "tester") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(secret=JWT_SECRET, account_id=account_id, user_id=user)}"}


async def _client_known_to_reminders(account_id: uuid.UUID) -> int:
    client_id = int(uuid.uuid4().int % 10**12) + 10**12
    await send_client_event(account_id, "client.created", snapshot(client_id))
    engine = create_engine(database_url("reminders", sync=True), poolclass=pool.NullPool)
    try:
        def known() -> bool:
            with engine.connect() as connection:
                return connection.execute(text("SELECT 1 FROM client_replicas WHERE client_id = :c"),
                                          {"c": client_id}).first() is not None
        await eventually(known)
    finally:
        engine.dispose()
    return client_id


async def test_one_accounts_failure_never_costs_another_account_its_write(gateway_with_a_failing_route):
    base = gateway_with_a_failing_route
    failing, writer = uuid.uuid4(), uuid.uuid4()
    async with httpx.AsyncClient(base_url=base, timeout=10) as a, httpx.AsyncClient(base_url=base, timeout=10) as b:
        user = await b.put("/api/reminders/users/tester", json={"display_name": "B"}, headers=_headers(writer))
        assert user.status_code == 200, user.text
        client_id = await _client_known_to_reminders(writer)
        due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        answers = []
        for round_ in range(ROUNDS):
            failed = await a.get(FAILING_PATH, headers=_headers(failing))
            assert failed.status_code == 500, failed.text
            assert failed.headers["content-type"] == "application/problem+json"
            written = await b.post("/api/reminders", headers=_headers(writer), json={
                "client_id": client_id, "due_at": due, "text": f"rappel {round_}"})
            answers.append(written.status_code)
    assert answers == [201] * ROUNDS, f"{answers.count(502)} answers 502 in {ROUNDS}: {answers}"
