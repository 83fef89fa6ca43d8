"""Accounts made before the identity service get an owner who can sign in, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from tests.conftest import new_account
from tests.identity_support import (  # noqa: F401 (fixtures)
    Member,
    identity_api,
    identity_app,
    tokens_of,
    unique_email,
)

NEGOCE = str(Path(sys.executable).with_name("negoce"))


def adopt(*args: str) -> list[dict]:
    result = subprocess.run(
        [NEGOCE, "account", "adopt", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),  # the session's cheap hashes (conftest): every unknown account is adopted
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


async def test_an_account_from_before_identity_gets_an_owner_who_signs_in_and_adopting_again_changes_nothing(
    clients_app, identity_app, identity_api
):
    older = await new_account(clients_app, "Cave d'avant")
    unnamed = await new_account(clients_app, "Cave sans adresse")
    email = unique_email("adopted-owner")
    adopted = {line["account_id"]: line for line in adopt("--owner-email", f"{older.id}={email}")}
    mine = adopted[str(older.id)]
    assert mine["owner"] == email and len(mine["password"]) >= 12
    assert adopted[str(unnamed.id)]["owner"] == f"owner-{unnamed.id.hex[:8]}@negoce.example"
    owner = Member(account_id=older.id, user_id=uuid.UUID(mine["owner_id"]), email=email, password=mine["password"])
    tokens = await tokens_of(identity_api, owner)
    assert tokens["access_token"]
    again = {line["account_id"] for line in adopt()}
    assert str(older.id) not in again and str(unnamed.id) not in again


def test_a_malformed_owner_email_pair_is_refused_naming_the_option():
    result = subprocess.run(
        [NEGOCE, "account", "adopt", "--owner-email", "not-a-pair"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "--owner-email" in result.stderr
