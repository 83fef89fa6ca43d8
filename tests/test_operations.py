"""Operations: settings refuse unsafe secrets, migrations round-trip, the negoce command works."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.clients.settings import ClientsSettings
from services.identity.settings import IdentitySettings
from services.orders.settings import OrdersSettings
from shared.migrations import alembic_config, upgrade
from shared.settings import DEVELOPMENT_JWT_SECRET, ProductionSettingsError
from tests.conftest import SERVICES, database_url, recreate_database
from tests.support import eventually

NEGOCE = str(Path(sys.executable).with_name("negoce"))


@pytest.mark.parametrize("environment", ["production", "test"])
def test_identity_refuses_to_start_with_the_default_or_a_short_signing_key_passphrase(environment):
    # Production's credential check (shared/settings.py) names the development passphrase first.
    for secret in (DEVELOPMENT_JWT_SECRET, "short"):
        with pytest.raises((ValidationError, ProductionSettingsError), match=r"(?i)SIGNING_KEY_PASSPHRASE"):
            IdentitySettings(
                environment=environment,
                signing_key_passphrase=secret,
                amqp_url="amqp://negoce:broker-secret@rabbitmq/",
                redis_url="redis://:redis-secret@redis/0",
                database_url="postgresql+asyncpg://negoce:db-secret@postgres/negoce_identity",
            )
    assert IdentitySettings(environment="development", signing_key_passphrase=DEVELOPMENT_JWT_SECRET)


def test_only_identity_holds_a_secret_the_other_services_verify_with_public_keys():
    for settings in (ClientsSettings(), OrdersSettings()):
        assert not hasattr(settings, "jwt_secret") and not hasattr(settings, "signing_key_passphrase")
        assert settings.identity_jwks_url.endswith("/.well-known/jwks.json")
    assert IdentitySettings().key_passphrase == os.environ["NEGOCE_JWT_SECRET"].encode()


def test_the_broker_is_project_wide_and_databases_per_service(monkeypatch):
    monkeypatch.setenv("NEGOCE_ORDERS_DATABASE_URL", "postgresql+asyncpg://postgres@db.example:5432/orders")
    orders, clients = OrdersSettings(), ClientsSettings()
    assert orders.database_url.endswith("@db.example:5432/orders")
    assert clients.database_url == os.environ["NEGOCE_CLIENTS_DATABASE_URL"]
    assert orders.amqp_url == clients.amqp_url == os.environ["NEGOCE_AMQP_URL"]


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_go_down_and_up_again(service):
    from alembic import command

    url = database_url(service, sync=True).replace("_test", "_test_migrations")
    recreate_database(url)  # a database left by an older revision of a migration would mislead
    upgrade(service=service, sync_url=url)
    command.downgrade(alembic_config(service=service, sync_url=url), "base")
    upgrade(service=service, sync_url=url)


def test_search_keys_migration_fills_the_clients_that_exist():
    """0003 adds the search keys: clients and contacts made before it must be found afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    url = database_url("clients", sync=True).replace("_test", "_test_backfill")
    recreate_database(url)
    upgrade(service="clients", sync_url=url, revision="0002")
    engine = create_engine(url)
    account = uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO accounts (id, name) VALUES (:a, 'Old')"), {"a": account})
        client_id = connection.execute(
            text("""
            INSERT INTO clients (account_id, version, kind, first_name, last_name, phone, billing_city,
                                 billing_country, shipping_same_as_billing, accounting_code, accepts_emailing,
                                 accepts_mailing, show_note_on_orders, blocked, sort_first_last, sort_last_first)
            VALUES (:a, 1, 'person', 'Hélène', 'Œillet', '+33 6 12 34 56 78', 'Saint-Émilion', 'FR', true,
                    '411OEILLET', false, true, false, false, 'helene oeillet', 'oeillet helene')
            RETURNING id"""),
            {"a": account},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO contacts (account_id, client_id, last_name, email, receives_quotes,"
                " receives_proforma, receives_invoices, receives_dunning)"
                " VALUES (:a, :c, 'Sommelier', 'Cave@Exemple.fr', false, false, false, false)"
            ),
            {"a": account, "c": client_id},
        )
    upgrade(service="clients", sync_url=url)
    with engine.connect() as connection:
        keys = connection.execute(
            text("SELECT search_names, search_emails, search_phones, search_city FROM clients WHERE id = :c"),
            {"c": client_id},
        ).one()
    engine.dispose()
    assert tuple(keys) == ("helene oeillet | sommelier", "cave@exemple.fr", "0612345678", "saint emilion")


async def test_account_create_prints_a_token_that_opens_the_api_once_identity_announced_it(api):
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    result = subprocess.run(
        [NEGOCE, "account", "create", "Domaine des Tests", "--owner-email", email],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    created = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(created) >= {"account_id", "token", "owner", "password"} and created["owner"]["email"] == email
    headers = {"Authorization": f"Bearer {created['token']}"}

    async def first_client_created() -> bool:
        answer = await api.post("/api/clients", json={"company_name": "Premier client"}, headers=headers)
        assert answer.status_code in (201, 401), answer.text
        return answer.status_code == 201

    # account.created travels from identity's outbox to the clients service's consumer.
    assert await eventually(first_client_created, timeout=20, interval=0.2)
    listing = (await api.get("/api/clients", headers=headers)).json()
    assert [r["display_name"] for r in listing["items"]] == ["Premier client"]


def test_demo_seed_fills_the_demo_account_once():
    first = subprocess.run(
        [NEGOCE, "demo", "seed", "--clients", "40"], capture_output=True, text=True, check=True, timeout=120
    )
    again = subprocess.run(
        [NEGOCE, "demo", "seed", "--clients", "40"], capture_output=True, text=True, check=True, timeout=120
    )
    assert "created" in first.stdout.splitlines()[0] and "already there" in again.stdout.splitlines()[0]
    assert "Token:" in again.stdout and "Sign in:  demo@example.com / " in again.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_models_and_migrations_describe_the_same_schema(service):
    import importlib

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    metadata = importlib.import_module(f"services.{service}.models").Base.metadata
    engine = create_engine(database_url(service, sync=True))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == [], f"a model changed without a migration: {diff}"


def test_vhosts_of_test_runs_that_died_are_removed_and_live_ones_kept():
    from tests.conftest import VHOST, _rabbitmqctl, remove_abandoned_vhosts

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=30)
    abandoned = f"negoce_test_{dead.pid}_abcdef_history"
    _rabbitmqctl("add_vhost", abandoned)
    try:
        removed = remove_abandoned_vhosts()
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", abandoned], capture_output=True, timeout=60)
    assert abandoned in removed and VHOST not in removed
    assert VHOST in _rabbitmqctl("list_vhosts", "--no-table-headers", "name").split()


def test_timeline_lines_written_before_0007_name_the_other_client_by_id():
    """Lines that carried another client's name in their text get its id, so its erasure reaches them."""
    import uuid

    from sqlalchemy import create_engine, text

    url = database_url("clients", sync=True).replace("_test", "_test_timeline_names")
    recreate_database(url)
    upgrade(service="clients", sync_url=url, revision="0006")
    engine = create_engine(url)
    account = uuid.uuid4()
    client = (
        "INSERT INTO clients (account_id, version, kind, last_name, billing_country, shipping_same_as_billing,"
        " accounting_code, accepts_emailing, accepts_mailing, show_note_on_orders, blocked, sort_first_last,"
        " sort_last_first) VALUES (:a, 1, 'person', :n, 'FR', true, :n, false, true, false, false, :n, :n)"
        " RETURNING id"
    )
    entry = (
        "INSERT INTO timeline_entries (account_id, client_id, occurred_at, kind, text, object_type, object_id,"
        " category) VALUES (:a, :c, now(), :k, :t, :o, :i, :g) RETURNING id"
    )
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO accounts (id, name) VALUES (:a, 'Old')"), {"a": account})
        billed, ship_to, merged = (
            connection.execute(text(client), {"a": account, "n": name}).scalar_one()
            for name in ("Payeur", "Dupont", "Fusion")
        )
        connection.execute(
            text(
                "INSERT INTO client_shipment_lines (account_id, shipment_id, order_line_id, order_id, client_id,"
                " ship_to_client_id, variant_id, product_id, product_name, container_id, container_name,"
                " container_short_name, millilitres, quantity, litres, shipped_at)"
                " VALUES (:a, 77, 1, 5, :b, :s, 1, 1, 'Vin', 1, 'Bouteille', '75 cl', 750, 15, 11.25, now())"
            ),
            {"a": account, "b": billed, "s": ship_to},
        )
        lines = {
            name: connection.execute(text(entry), {"a": account, **values}).scalar_one()
            for name, values in {
                "shipment": {
                    "c": billed,
                    "k": "shipment.shipped",
                    "o": "shipment",
                    "i": 77,
                    "g": "shipment",
                    "t": "Expédition de la commande C-000005 vers Hélène : Dupont : 15 unités, 11,25\u00a0L",
                },
                "own_shipment": {
                    "c": ship_to,
                    "k": "shipment.shipped",
                    "o": "shipment",
                    "i": 77,
                    "g": "shipment",
                    "t": "Expédition de la commande C-000005 : 15 unités, 11,25\u00a0L",
                },
                "merge": {
                    "c": billed,
                    "k": "client.merged",
                    "o": "client",
                    "i": billed,
                    "g": "merge",
                    "t": f"Fiche « Hélène Fusion » (n° {merged}) fusionnée dans celle-ci par admin",
                },
            }.items()
        }
    upgrade(service="clients", sync_url=url)
    with engine.connect() as connection:
        rows = {
            row.id: (row.about_client_id, row.text)
            for row in connection.execute(text("SELECT id, about_client_id, text FROM timeline_entries"))
        }
    engine.dispose()
    assert rows[lines["shipment"]] == (
        ship_to,
        "Expédition de la commande C-000005 vers {client} : 15 unités, 11,25\u00a0L",
    )
    assert rows[lines["own_shipment"]] == (None, "Expédition de la commande C-000005 : 15 unités, 11,25\u00a0L")
    assert rows[lines["merge"]] == (merged, f"Fiche « {{client}} » (n° {merged}) fusionnée dans celle-ci par admin")
