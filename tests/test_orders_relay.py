"""The orders service's relay: a crash between the commit and the publish loses no event."""

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.orders.app import create_app
from services.orders.client_life.service import REPLICA
from services.orders.settings import OrdersSettings
from shared.events import new_event
from shared.events.clients import AddressPayload, ClientCreated, ClientSnapshot
from tests.access_support import account_token
from tests.conftest import AMQP_URL, TestAccount, isolated_database, running
from tests.orders_support import catalogue
from tests.support import EventTap, eventually, in_process


@pytest.fixture(scope="module")
def orders_crash_database():
    """A database of its own, so that no other relay publishes what the test leaves pending."""
    return isolated_database("orders", "crash")


async def test_an_order_event_left_in_the_outbox_is_published_after_restart(orders_crash_database):
    account_id = uuid.uuid4()  # the orders service trusts the token's account; it keeps no account table
    account = TestAccount(id=account_id, token=account_token(account_id, "t"))
    headers = account.headers
    now = datetime.now(UTC)
    known_client = new_event(
        ClientCreated,
        account_id=account_id,
        payload=ClientSnapshot(
            client_id=987_654,
            version=1,
            kind="company",
            company_name="Cave Témoin",
            display_name="Cave Témoin",
            billing_address=AddressPayload(postal_code="33000", city="Bordeaux"),
            accounting_code="411CAVETEM",
            accepts_emailing=False,
            accepts_mailing=True,
            created_at=now,
            updated_at=now,
        ),
    )
    async with EventTap(AMQP_URL, "negoce.orders", "order.created") as tap:
        crashed = create_app(OrdersSettings(database_url=orders_crash_database, run_outbox_relay=False))
        async with running(crashed):
            await REPLICA.apply_snapshot(sessions=crashed.state.context.sessions, consumer="test", event=known_client)
            async with in_process(crashed, headers) as http:
                cat = await catalogue(http, account)
                created = (
                    await http.post(
                        "/api/orders",
                        json={"client_id": 987_654, "lines": [{"variant_id": cat["bottle"], "quantity": "3"}]},
                    )
                ).json()
        # The process is gone: the order is committed, its event only sits in the outbox.
        await asyncio.sleep(1.5)
        assert tap.bodies() == []
        restarted = create_app(OrdersSettings(database_url=orders_crash_database))
        async with running(restarted):
            bodies = await eventually(tap.bodies)
    assert [b["payload"]["order_id"] for b in bodies] == [created["id"]]
    assert Decimal(bodies[0]["payload"]["lines"][0]["quantity"]) == 3
