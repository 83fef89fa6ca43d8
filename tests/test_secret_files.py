"""Every setting can come from a file named by its NEGOCE_*_FILE variable (Docker and Kubernetes secrets)."""

from __future__ import annotations

import pytest
from pydantic_settings.exceptions import SettingsError

from services.clients.settings import ClientsSettings
from services.console.settings import ConsoleSettings
from services.identity.settings import IdentitySettings
from shared.settings import ProductionSettingsError


def _secret(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content)
    return str(path)


def test_a_secret_file_gives_the_setting_its_content_without_the_final_newline(tmp_path, monkeypatch):
    monkeypatch.delenv("NEGOCE_AMQP_URL", raising=False)
    monkeypatch.delenv("NEGOCE_CLIENTS_DATABASE_URL", raising=False)
    monkeypatch.delenv("NEGOCE_CONSOLE_SECRET", raising=False)
    monkeypatch.setenv("NEGOCE_AMQP_URL_FILE", _secret(tmp_path, "amqp", "amqp://negoce:s3cr%21t@rabbit:5672/\n"))
    monkeypatch.setenv(
        "NEGOCE_CLIENTS_DATABASE_URL_FILE", _secret(tmp_path, "db", "postgresql+asyncpg://negoce:pw@db/clients\n")
    )
    monkeypatch.setenv("NEGOCE_CONSOLE_SECRET_FILE", _secret(tmp_path, "console", "x" * 40 + "\n"))
    monkeypatch.setenv("NEGOCE_ENVIRONMENT", "production")
    # Production also refuses an open Redis (tests/test_production_settings.py).
    monkeypatch.setenv("NEGOCE_REDIS_URL", "redis://:pw@redis:6379/0")
    clients = ClientsSettings()
    assert clients.amqp_url == "amqp://negoce:s3cr%21t@rabbit:5672/"
    assert clients.database_url == "postgresql+asyncpg://negoce:pw@db/clients"
    # The console's production check reads the secret from the file like from its variable.
    assert ConsoleSettings().secret == "x" * 40


def test_a_short_console_secret_from_a_file_is_refused_in_production_as_from_a_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("NEGOCE_CONSOLE_SECRET", raising=False)
    monkeypatch.setenv("NEGOCE_ENVIRONMENT", "production")
    monkeypatch.setenv("NEGOCE_CONSOLE_SECRET_FILE", _secret(tmp_path, "console", "short\n"))
    with pytest.raises(ProductionSettingsError, match="SECRET"):
        ConsoleSettings()


def test_a_missing_file_or_both_ways_at_once_stop_the_process_with_the_variable_named(tmp_path, monkeypatch):
    monkeypatch.delenv("NEGOCE_AMQP_URL", raising=False)
    monkeypatch.setenv("NEGOCE_AMQP_URL_FILE", str(tmp_path / "nowhere"))
    with pytest.raises(SettingsError, match="NEGOCE_AMQP_URL_FILE"):
        IdentitySettings()
    monkeypatch.setenv("NEGOCE_AMQP_URL_FILE", _secret(tmp_path, "amqp", "amqp://a@b/\n"))
    monkeypatch.setenv("NEGOCE_AMQP_URL", "amqp://other@b/")
    with pytest.raises(SettingsError, match="NEGOCE_AMQP_URL and NEGOCE_AMQP_URL_FILE"):
        IdentitySettings()
