"""With NEGOCE_ENVIRONMENT=production a process refuses, at start, the development credentials and the
placeholders of the committed examples, and the demo account is refused."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.clients.settings import ClientsSettings
from services.console.settings import ConsoleSettings
from services.identity.settings import IdentitySettings
from shared.settings import DEVELOPMENT_JWT_SECRET, ProductionSettingsError

GOOD = {
    "NEGOCE_AMQP_URL": "amqp://negoce:broker-secret@rabbitmq:5672/",
    "NEGOCE_REDIS_URL": "redis://:redis-secret@redis:6379/0",
    "NEGOCE_CLIENTS_DATABASE_URL": "postgresql+asyncpg://negoce:db-secret@pgbouncer:6432/negoce_clients",
    "NEGOCE_IDENTITY_DATABASE_URL": "postgresql+asyncpg://negoce:db-secret@pgbouncer:6432/negoce_identity",
    "NEGOCE_IDENTITY_SIGNING_KEY_PASSPHRASE": "a-real-passphrase-of-more-than-32-characters",
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Production with credentials that pass; each test then spoils one."""
    monkeypatch.setenv("NEGOCE_ENVIRONMENT", "production")
    monkeypatch.delenv("NEGOCE_JWT_SECRET", raising=False)
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_production_credentials_are_accepted(production: pytest.MonkeyPatch) -> None:
    """The check lets real credentials through (it is not a refusal of everything)."""
    assert ClientsSettings().environment == "production"
    assert IdentitySettings().signing_key_passphrase == GOOD["NEGOCE_IDENTITY_SIGNING_KEY_PASSPHRASE"]


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("NEGOCE_AMQP_URL", "amqp://guest:guest@rabbitmq:5672/", "amqp_url"),
        ("NEGOCE_AMQP_URL", "amqp://negoce@rabbitmq:5672/", "amqp_url"),
        ("NEGOCE_CLIENTS_DATABASE_URL", "postgresql+asyncpg://postgres@postgres:5432/negoce_clients", "database_url"),
        ("NEGOCE_REDIS_URL", "redis://redis:6379/0", "redis_url"),
        ("NEGOCE_AMQP_URL", "amqp://negoce:CHANGE-ME-rabbitmq-password@rabbitmq:5672/", "CHANGE-ME"),
    ],
)
def test_production_refuses_a_default_credential(
    production: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    """guest:guest, a URL without a password or a placeholder stops the process with the setting named."""
    production.setenv(variable, value)
    with pytest.raises(ProductionSettingsError, match=named) as refused:
        ClientsSettings()
    assert "broker-secret" not in str(refused.value) and "db-secret" not in str(refused.value)


def test_production_refuses_the_development_or_placeholder_signing_passphrase(production: pytest.MonkeyPatch) -> None:
    """Identity's signing passphrase may be neither the development one nor the examples' placeholder."""
    production.setenv("NEGOCE_IDENTITY_SIGNING_KEY_PASSPHRASE", DEVELOPMENT_JWT_SECRET)
    with pytest.raises(ProductionSettingsError, match="signing_key_passphrase is the development one"):
        IdentitySettings()
    production.setenv("NEGOCE_IDENTITY_SIGNING_KEY_PASSPHRASE", "CHANGE-ME-identity-signing-key-passphrase-0123456789")
    with pytest.raises(ProductionSettingsError, match="signing_key_passphrase still holds the CHANGE-ME"):
        IdentitySettings()


def test_development_keeps_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside production the local servers' defaults (trust, guest, open Redis) still work."""
    monkeypatch.setenv("NEGOCE_ENVIRONMENT", "development")
    monkeypatch.setenv("NEGOCE_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    assert ClientsSettings().amqp_url.startswith("amqp://guest:guest@")


@pytest.mark.parametrize("command", [["demo", "seed"], ["demo", "orders"]])
def test_production_refuses_the_demo_account(production: pytest.MonkeyPatch, command: list[str]) -> None:
    """`negoce demo seed` and `negoce demo orders` (compose's NEGOCE_DEMO_SEED=1 runs the first) stop at once."""
    result = CliRunner().invoke(app, command)
    assert result.exit_code != 0
    # Typer draws the error in a box, wrapped to the terminal's width.
    assert "demo account is refused in production" in re.sub(r"[\s│]+", " ", result.output)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("NEGOCE_CONSOLE_SECRET", "CHANGE-ME-console-session-secret-of-more-than-32-characters", "SECRET"),
        # The same check as the services': the placeholder in any letter case.
        ("NEGOCE_CONSOLE_SECRET", "change-me-console-session-secret-of-more-than-32-characters", "SECRET"),
        ("NEGOCE_CONSOLE_SECRET", "too-short", "SECRET"),
        ("NEGOCE_REDIS_URL", "redis://redis:6379/0", "Redis"),
    ],
)
def test_the_console_refuses_the_placeholder_a_short_secret_and_an_open_redis(
    production: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    """The console's session secret and its Redis get the same production check as the services'."""
    production.setenv("NEGOCE_CONSOLE_SECRET", "a-real-console-secret-of-more-than-32-characters")
    production.delenv("NEGOCE_CONSOLE_REDIS_URL", raising=False)
    assert ConsoleSettings().secure_cookie  # accepted as they are
    production.setenv(variable, value)
    with pytest.raises(ProductionSettingsError, match=named):
        ConsoleSettings()
