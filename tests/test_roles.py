"""Every operation of every service, called with each role: 403 problem+json below its role, never at or above.

The policy below is the issue's, written as rules independent of the routes; each route states its
own least role (its OpenAPI security scope), and the test checks both the document and the answers.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.auth import rank
from tests.access_support import account_token
from tests.conftest import running
from tests.identity_support import (  # noqa: F401 (fixtures)
    identity_api,
    identity_app,
    invited_member,
    new_owner,
    tokens_of,
)
from tests.support import in_process

ROLES = ("read_only", "staff", "manager", "owner")
SERVICES = ("clients", "orders", "reminders", "mailings")
MANAGED_SETTINGS = re.compile(
    r"/api/(clients/(categories|tags)|mailings/(label-formats|label-settings)|orders/(products|containers|price-grids|negotiated-prices))"
)


def least_role(method: str, path: str) -> str:
    """The issue's policy: read_only reads; staff works; manager merges, deletes, exports...; owner erases and settles."""
    if path.startswith("/api/identity/"):
        return (
            "read_only"
            if (method, path)
            in (("get", "/api/identity/users"), ("get", "/api/identity/account"), ("patch", "/api/identity/users/me"))
            else "owner"
        )
    # The account's settings, and the seller profile its invoices print: everyone reads them, the owner changes them.
    if path.endswith("/erase") or (
        path in ("/api/clients/settings", "/api/reminders/settings", "/api/orders/seller", "/api/orders/seller/logo")
        and method != "get"
    ):
        return "owner"
    if path.startswith("/api/reminders/users/") and method != "get":
        return "owner"
    if path.startswith(("/api/clients/exports", "/api/clients/merge", "/api/mailings/renders")):
        return "manager"
    if path.startswith("/api/mailings/campaigns/{campaign_id}/renders"):
        return "manager"
    if method == "delete" and path == "/api/clients/{client_id}":
        return "manager"
    if re.fullmatch(r"/api/clients/\{client_id\}/(archive|block|unblock|restore)", path):
        return "manager"
    if method != "get" and MANAGED_SETTINGS.match(path):
        return "manager"
    if method == "get" or path == "/api/clients/selection/addresses":
        return "read_only"
    return "staff"


def _path_value(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    if schema.get("type") == "integer":
        return "1"
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return "x"


def operations(document: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, template, concrete path, operation) of every operation that needs a token."""
    found = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            if not operation.get("security"):
                continue
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    path = path.replace("{" + parameter["name"] + "}", _path_value(parameter))
            found.append((method, template, path, operation))
    return found


@pytest.fixture(scope="module")
async def apps() -> AsyncIterator[dict[str, FastAPI]]:
    """Each service's API without consumers or relay: only its routes and token checks are under test."""
    async with contextlib.AsyncExitStack() as stack:
        started: dict[str, FastAPI] = {}
        for service in SERVICES:
            module = importlib.import_module(f"services.{service}.app")
            settings_class = type(module.create_app().state.settings)
            app = module.create_app(settings_class(run_consumers=False, run_outbox_relay=False))
            started[service] = await stack.enter_async_context(running(app))
        yield started


async def misfits(document: dict[str, Any], http: httpx.AsyncClient, tokens: dict[str, str]) -> list[str]:
    """Every way the document's operations differ from the policy: documented role, 403 below it, none at or above."""
    found = operations(document)
    assert len(found) >= 8
    wrong: list[str] = []
    for method, template, path, operation in found:
        needed = least_role(method, template)
        documented = {role for requirement in operation["security"] for role in next(iter(requirement.values()))}
        if documented != {needed}:
            wrong.append(f"{method.upper()} {template}: documents {documented}, the policy says {needed}")
        for role in ROLES:
            body: dict[str, Any] = {"json": {}} if "requestBody" in operation else {}
            answer = await http.request(
                method.upper(), path, headers={"Authorization": f"Bearer {tokens[role]}"}, **body
            )
            if rank(role) < rank(needed):
                if answer.status_code != 403 or answer.headers["content-type"] != "application/problem+json":
                    wrong.append(f"{method.upper()} {template} as {role}: {answer.status_code}, expected 403")
            elif answer.status_code in (401, 403) or answer.status_code >= 500:
                wrong.append(f"{method.upper()} {template} as {role}: {answer.status_code} {answer.text[:200]}")
    return wrong


@pytest.mark.timeout(300)
@pytest.mark.parametrize("service", SERVICES)
async def test_every_operation_admits_exactly_the_roles_the_policy_names(apps, service):
    account_id = uuid.uuid4()
    tokens = {role: account_token(account_id, f"user-{role}", role) for role in ROLES}
    async with in_process(apps[service]) as http:
        wrong = await misfits(apps[service].openapi(), http, tokens)
    assert not wrong, "\n".join(wrong)


@pytest.mark.timeout(120)
async def test_every_identity_operation_admits_exactly_the_roles_the_policy_names(identity_app, identity_api):
    owner = await new_owner(identity_app)
    owner_tokens = await tokens_of(identity_api, owner)
    tokens = {"owner": owner_tokens["access_token"]}
    for role in ("read_only", "staff", "manager"):
        member = await invited_member(identity_api, owner_tokens, role=role)
        tokens[role] = (await tokens_of(identity_api, member))["access_token"]
    wrong = await misfits(identity_app.openapi(), identity_api, tokens)
    assert not wrong, "\n".join(wrong)


async def test_the_policy_reads_as_the_issue_states_it():
    assert least_role("get", "/api/clients") == "read_only"
    assert least_role("post", "/api/clients") == "staff"
    assert least_role("post", "/api/clients/merge") == "manager"
    assert least_role("post", "/api/clients/{client_id}/erase") == "owner"
    assert least_role("patch", "/api/clients/settings") == "owner"
    assert least_role("post", "/api/orders/price-grids") == "manager"
    assert least_role("post", "/api/mailings/campaigns/{campaign_id}/renders") == "manager"
    assert least_role("post", "/api/reminders") == "staff"
    assert least_role("post", "/api/identity/invitations") == "owner"
    assert least_role("get", "/api/identity/audit") == "owner"
