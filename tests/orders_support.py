"""Builders for order tests: a catalogue, priced variants and clients the orders service knows."""

from __future__ import annotations

import itertools
import secrets
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from stdnum import luhn

from tests.access_support import account_token
from tests.conftest import AMQP_URL, VHOST, TestAccount
from tests.support import eventually, publish_event


async def known_to_orders(orders_api, account, client_id: int) -> None:
    """Wait until the orders service has the client's event (its prices answer instead of 404)."""

    async def known() -> bool:
        response = await orders_api.get(
            "/api/orders/negotiated-prices", params={"client_id": client_id}, headers=account.headers
        )
        return response.status_code == 200

    await eventually(known)


async def new_client(api, orders_api, account, **fields: Any) -> int:
    """Create a client in the clients service and wait until the orders service knows it."""
    body = {"last_name": "Client", **fields}
    client_id = (await api.post("/api/clients", json=body, headers=account.headers)).json()["id"]
    await known_to_orders(orders_api, account, client_id)
    return client_id


def valid_siren(prefix: str) -> str:
    """A valid SIREN (Luhn) from eight digits."""
    return prefix + luhn.calc_check_digit(prefix)


def valid_siret(siren: str, establishment: str = "0001") -> str:
    """A valid SIRET of a SIREN."""
    return siren + establishment + luhn.calc_check_digit(siren + establishment)


def french_vat(siren: str) -> str:
    """The French intra-EU VAT number of a SIREN (its key is 12 + 3 x (SIREN mod 97), mod 97)."""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


SELLER_SIREN = valid_siren("73282932")


def complete_seller(**changes: Any) -> dict[str, Any]:
    """A seller profile with every mention an invoice prints; ``changes`` replace its fields."""
    return {
        "legal_name": "Domaine des Chartrons",
        "legal_form": "SAS",
        "address_lines": ["12 quai des Chartrons"],
        "postal_code": "33000",
        "city": "Bordeaux",
        "siren": SELLER_SIREN,
        "siret": valid_siret(SELLER_SIREN),
        "vat_number": french_vat(SELLER_SIREN),
        "rcs_city": "Bordeaux",
        "share_capital_cents": 1_000_000,
        "email": "contact@chartrons.example",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        **changes,
    }


async def seller_profile(orders_api, account: TestAccount | None = None, **changes: Any) -> dict[str, Any]:
    """Give the account the seller profile its invoices need (PUT /api/orders/seller); the profile as read.

    Without ``account``, the client ``orders_api`` speaks for one already (the console's tests).
    """
    headers = account.headers if account is not None else {}
    response = await orders_api.put("/api/orders/seller", json=complete_seller(**changes), headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["missing_for_invoices"] == []
    return response.json()


async def catalogue(orders_api, account, *, default_price: int | None = 1_250) -> dict[str, Any]:
    """A product in 75 cl and magnum, and a default grid pricing the bottle."""
    containers = {
        c["short_name"]: c["id"]
        for c in (await orders_api.get("/api/orders/containers", headers=account.headers)).json()
    }
    product = (
        await orders_api.post(
            "/api/orders/products",
            headers=account.headers,
            json={
                "name": "Château Test rouge",
                "variants": [
                    {"container_id": containers["75 cl"], "vintage": 2020, "packaging": "carton de 6"},
                    {"container_id": containers["150 cl"], "vintage": 2020},
                ],
            },
        )
    ).json()
    bottle, magnum = (v["id"] for v in product["variants"])
    grid = (
        await orders_api.post(
            "/api/orders/price-grids", json={"name": "Tarif public", "is_default": True}, headers=account.headers
        )
    ).json()
    if default_price is not None:
        await orders_api.put(
            f"/api/orders/price-grids/{grid['id']}/prices/{bottle}",
            json={"price_cents": default_price},
            headers=account.headers,
        )
    return {"bottle": bottle, "magnum": magnum, "grid": grid["id"], "containers": containers, "product": product["id"]}


async def order(orders_api, account, client_id: int, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Create an order and return its body (asserting it was created)."""
    response = await orders_api.post(
        "/api/orders", json={"client_id": client_id, "lines": lines, **extra}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


# Client events published straight on the clients exchange, as the clients service's relay would:
# the orders service's reaction to merges, archives and erasures is tested on its own.
_client_ids = itertools.count(10**12 + secrets.randbelow(10**6) * 10**4)


def orders_account() -> TestAccount:
    """A fresh account the orders service trusts from its token alone (it keeps no account table)."""
    account_id = uuid.uuid4()
    return TestAccount(id=account_id, token=account_token(account_id, "tester"))


def client_snapshot(
    client_id: int, *, version: int = 1, display_name: str = "Client Test", **fields: Any
) -> dict[str, Any]:
    """A ClientSnapshot payload; extra fields override the defaults."""
    now = datetime.now(UTC).isoformat()
    return {
        "client_id": client_id,
        "version": version,
        "kind": "person",
        "last_name": display_name,
        "display_name": display_name,
        "billing_address": {"line1": "1 place du Marché", "city": "Beaune"},
        "accounting_code": f"411{client_id}",
        "accepts_emailing": True,
        "accepts_mailing": True,
        "created_at": now,
        "updated_at": now,
        **fields,
    }


async def client_event(
    account: TestAccount, event_type: str, payload: dict[str, Any], *, event_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Publish a client event for the account; returns its id."""
    return await publish_event(
        AMQP_URL,
        exchange="negoce.clients",
        event_type=event_type,
        account_id=account.id,
        payload=payload,
        event_id=event_id,
    )


async def published_client(orders_api, account: TestAccount, **fields: Any) -> int:
    """A client known to the orders service from a client.created event, with a fresh id."""
    client_id = next(_client_ids)
    await client_event(account, "client.created", client_snapshot(client_id, **fields))
    await known_to_orders(orders_api, account, client_id)
    return client_id


@pytest.fixture
async def orders_sql(orders_app) -> AsyncIterator[Any]:
    """Run a statement on the orders test database and commit: ``await orders_sql("select ...", **params)``."""
    engine = orders_app.state.context.engine

    async def run(query: str, **params: object) -> list[Any]:
        async with engine.begin() as connection:
            return list((await connection.execute(text(query), params)).all())

    yield run


async def applied(orders_sql, event_id: uuid.UUID) -> None:
    """Wait until the orders consumer recorded the event as processed (its effect committed with it)."""

    async def recorded() -> bool:
        return bool(await orders_sql("SELECT 1 FROM inbox WHERE consumer = 'orders' AND event_id = :e", e=event_id))

    await eventually(recorded)


async def drained(queue: str) -> None:
    """Wait until a queue of the test vhost holds no message, ready or unacknowledged."""

    def empty() -> bool:
        listing = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", VHOST, "name", "messages", "--no-table-headers"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        counts = dict(line.split("\t") for line in listing.splitlines() if "\t" in line)
        return counts.get(queue) == "0"

    await eventually(empty, timeout=30, interval=0.3)
