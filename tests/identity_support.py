"""Builders for identity tests: the service with cheap argon2 parameters, accounts with their owner, sign-ins."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.identity.settings import IdentitySettings
from tests.conftest import running
from tests.support import in_process

PASSWORD = "Correct horse 42 battery"


def identity_settings(**overrides: Any) -> IdentitySettings:
    """The test database's settings, with argon2 cheap enough for dozens of sign-ins per test."""
    cheap = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 1024, "argon2_parallelism": 1}
    return IdentitySettings(**{**cheap, **overrides})


@pytest.fixture(scope="module")
async def identity_app() -> AsyncIterator[FastAPI]:
    """The identity service with its relay running against the real servers."""
    from services.identity.app import create_app

    async with running(create_app(identity_settings())) as app:
        yield app


@pytest.fixture(scope="module")
async def identity_api(identity_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the identity service in process."""
    async with in_process(identity_app) as client:
        yield client


@pytest.fixture
async def identity_sql(identity_app: FastAPI) -> AsyncIterator[Any]:
    """Run a statement on the identity test database and commit: ``await identity_sql("select ...", **params)``."""
    engine = identity_app.state.context.engine

    async def run(query: str, **params: object) -> list[Any]:
        async with engine.begin() as connection:
            result = await connection.execute(text(query), params)
            return list(result.all()) if result.returns_rows else []

    yield run


def unique_email(prefix: str = "user") -> str:
    """An e-mail address no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def from_new_address() -> dict[str, str]:
    """Headers of a request from a client address no other test uses (the per-address limit is theirs)."""
    return {"X-Real-IP": f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"}


@dataclass
class Member:
    """A user who can sign in: their account, id, e-mail address and password."""

    account_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    password: str


async def new_owner(app: FastAPI, *, name: str = "Domaine test") -> Member:
    """A fresh account with its owner, whose password is the one-time password identity chose."""
    from services.identity.accounts.service import create_account
    from shared.db import unit_of_work

    email = unique_email("owner")
    async with unit_of_work(app.state.context.sessions) as session:
        made = await create_account(
            session, settings=app.state.settings, name=name, owner_email=email, owner_name="Owner"
        )
    return Member(account_id=made["account_id"], user_id=made["owner"]["id"], email=email, password=made["password"])


async def sign_in(api: httpx.AsyncClient, member: Member, **body: Any) -> httpx.Response:
    """POST a sign-in for a member (fields of ``body`` override theirs) from a fresh client address."""
    return await api.post(
        "/api/identity/sign-in",
        json={"email": member.email, "password": member.password, **body},
        headers=from_new_address(),
    )


async def tokens_of(api: httpx.AsyncClient, member: Member) -> dict[str, Any]:
    """A successful sign-in's tokens."""
    response = await sign_in(api, member)
    assert response.status_code == 200, response.text
    return response.json()


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """The Authorization header of a sign-in's access token."""
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def invited_member(api: httpx.AsyncClient, owner_tokens: dict[str, Any], *, role: str = "staff") -> Member:
    """A user invited by an owner who accepted the invitation with PASSWORD."""
    email = unique_email(role)
    invited = await api.post(
        "/api/identity/invitations",
        json={"email": email, "name": role.title(), "role": role},
        headers=bearer(owner_tokens),
    )
    assert invited.status_code == 201, invited.text
    body = invited.json()
    accepted = await api.post(
        "/api/identity/invitations/accept", json={"token": body["invitation_token"], "password": PASSWORD}
    )
    assert accepted.status_code == 200, accepted.text
    return Member(
        account_id=uuid.UUID(body["user"]["account_id"]),
        user_id=uuid.UUID(body["user"]["id"]),
        email=email,
        password=PASSWORD,
    )


async def outbox_events(sql: Any, account_id: uuid.UUID, event_type: str) -> list[dict[str, Any]]:
    """The payloads of an account's events of a type in the identity outbox, oldest first."""
    rows = await sql(
        "SELECT body FROM outbox WHERE account_id = :a AND routing_key = :t ORDER BY position",
        a=account_id,
        t=event_type,
    )
    return [row.body["payload"] for row in rows]
