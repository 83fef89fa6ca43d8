"""Operations: settings refuse unsafe secrets, migrations round-trip, the negoce command works."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.clients.settings import ClientsSettings
from services.orders.settings import OrdersSettings
from shared.migrations import alembic_config, upgrade
from shared.settings import DEVELOPMENT_JWT_SECRET
from tests.conftest import SERVICES, database_url, recreate_database

NEGOCE = str(Path(sys.executable).with_name("negoce"))


@pytest.mark.parametrize("environment", ["production", "test"])
def test_services_refuse_to_start_with_the_default_or_a_short_key(environment):
    for secret in (DEVELOPMENT_JWT_SECRET, "short"):
        with pytest.raises(ValidationError, match="NEGOCE_JWT_SECRET"):
            ClientsSettings(environment=environment, jwt_secret=secret)
    assert ClientsSettings(environment="development", jwt_secret=DEVELOPMENT_JWT_SECRET)


def test_broker_and_secret_are_project_wide_and_databases_per_service(monkeypatch):
    monkeypatch.setenv("NEGOCE_ORDERS_DATABASE_URL", "postgresql+asyncpg://postgres@db.example:5432/orders")
    orders, clients = OrdersSettings(), ClientsSettings()
    assert orders.database_url.endswith("@db.example:5432/orders")
    assert clients.database_url == os.environ["NEGOCE_CLIENTS_DATABASE_URL"]
    assert orders.amqp_url == clients.amqp_url == os.environ["NEGOCE_AMQP_URL"]
    assert orders.jwt_secret == clients.jwt_secret == os.environ["NEGOCE_JWT_SECRET"]


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
        client_id = connection.execute(text("""
            INSERT INTO clients (account_id, version, kind, first_name, last_name, phone, billing_city,
                                 billing_country, shipping_same_as_billing, accounting_code, accepts_emailing,
                                 accepts_mailing, show_note_on_orders, blocked, sort_first_last, sort_last_first)
            VALUES (:a, 1, 'person', 'Hélène', 'Œillet', '+33 6 12 34 56 78', 'Saint-Émilion', 'FR', true,
                    '411OEILLET', false, true, false, false, 'helene oeillet', 'oeillet helene')
            RETURNING id"""), {"a": account}).scalar_one()
        connection.execute(text("INSERT INTO contacts (account_id, client_id, last_name, email, receives_quotes,"
                                " receives_proforma, receives_invoices, receives_dunning)"
                                " VALUES (:a, :c, 'Sommelier', 'Cave@Exemple.fr', false, false, false, false)"),
                           {"a": account, "c": client_id})
    upgrade(service="clients", sync_url=url)
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT search_names, search_emails, search_phones, search_city"
                                       " FROM clients WHERE id = :c"), {"c": client_id}).one()
    engine.dispose()
    assert tuple(keys) == ("helene oeillet | sommelier", "cave@exemple.fr", "0612345678", "saint emilion")


async def test_account_create_prints_a_token_that_opens_the_api(api):
    result = subprocess.run([NEGOCE, "account", "create", "Domaine des Tests"], capture_output=True, text=True,
                            check=True, timeout=60)
    created = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(created) >= {"account_id", "token"}
    headers = {"Authorization": f"Bearer {created['token']}"}
    response = await api.post("/api/clients", json={"company_name": "Premier client"}, headers=headers)
    assert response.status_code == 201
    listing = (await api.get("/api/clients", headers=headers)).json()
    assert [r["display_name"] for r in listing["items"]] == ["Premier client"]


def test_demo_seed_fills_the_demo_account_once():
    first = subprocess.run([NEGOCE, "demo", "seed", "--clients", "40"], capture_output=True, text=True,
                           check=True, timeout=120)
    again = subprocess.run([NEGOCE, "demo", "seed", "--clients", "40"], capture_output=True, text=True,
                           check=True, timeout=120)
    assert "created" in first.stdout.splitlines()[0] and "already there" in again.stdout.splitlines()[0]
    assert "Token:" in again.stdout


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
