"""docker-compose.yml: Compose itself accepts it, and what it describes is fit to run in production."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / "deploy" / "compose.env.example"
ONE_SHOT = {"migrate", "minio-bucket"}
WORKER_METRICS_PORTS = {
    "clients-exports": 9101,
    "mailings-renders": 9102,
    "reminders-worker": 9103,
    "reminders-beat": 9104,
}
APP_DATABASES = ("CLIENTS", "ORDERS", "REMINDERS", "MAILINGS", "IDENTITY")


def _compose_command() -> list[str]:
    # The same lookup (and, on a machine without it, apt-get install) as `make compose-config`.
    found = subprocess.run(
        [str(ROOT / "deploy" / "ensure-infra.sh"), "compose-path"], capture_output=True, text=True, timeout=300
    )
    if found.returncode != 0:
        pytest.fail(f"no docker-compose: {found.stderr}")
    return shlex.split(found.stdout.strip())


def _config(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_compose_command(), "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    """The file as Compose reads it, every profile included and the example .env's values filled in."""
    result = _config("--env-file", str(ENV_EXAMPLE), "--profile", "observability", "--profile", "s3", "config")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = yaml.safe_load(result.stdout)
    return document


def test_compose_accepts_the_file_with_every_profile(resolved: dict[str, Any]) -> None:
    """`docker-compose config` passes and knows every process kind, the infrastructure and the profiles' services."""
    assert {
        "postgres", "pgbouncer", "rabbitmq", "redis", "migrate", "clients", "clients-exports", "orders", "reminders",
        "mailings", "identity", "console", "mailings-renders", "reminders-worker", "reminders-beat", "smtp", "gateway",
        "prometheus", "grafana", "minio", "minio-bucket",
    } <= set(resolved["services"])  # fmt: skip


def test_compose_refuses_to_start_without_the_passwords() -> None:
    """Without a .env, Compose stops at the first missing password instead of starting with a default one."""
    result = _config("--env-file", str(ROOT / "pyproject.toml"), "config", "-q", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "set NEGOCE_" in result.stderr


def test_images_are_official_and_at_release_tags(resolved: dict[str, Any]) -> None:
    """Every third-party image names a release (no latest, no bare major for the servers)."""
    for name, service in resolved["services"].items():
        image = service["image"]
        if image.startswith("negoce:"):
            continue
        _, _, tag = image.partition(":")
        assert tag and tag != "latest", f"{name}: {image} has no release tag"
        assert re.search(r"\d+\.\d+|RELEASE\.\d{4}-", tag), f"{name}: {image} names no minor release"


def test_every_long_running_process_has_a_healthcheck(resolved: dict[str, Any]) -> None:
    """Each service except the one-shot jobs declares a healthcheck; the workers check their metrics port."""
    for name, service in resolved["services"].items():
        if name in ONE_SHOT:
            continue
        assert "healthcheck" in service, f"{name} has no healthcheck"
    for name, port in WORKER_METRICS_PORTS.items():
        service = resolved["services"][name]
        assert service["environment"]["NEGOCE_METRICS_PORT"] == str(port)
        assert f"127.0.0.1:{port}/metrics" in " ".join(service["healthcheck"]["test"])


def test_migrate_waits_for_the_servers_and_the_services_for_migrate(resolved: dict[str, Any]) -> None:
    """migrate starts once PostgreSQL and RabbitMQ are healthy; the services once migrate has exited 0."""
    services = resolved["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    for name in ("clients", "orders", "reminders-beat", "mailings-renders"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_credentials_are_set_and_services_go_through_pgbouncer(resolved: dict[str, Any]) -> None:
    """Passwords everywhere (SCRAM for PostgreSQL); queries through PgBouncer, LISTEN and migrations direct."""
    services = resolved["services"]
    postgres = services["postgres"]["environment"]
    assert postgres["POSTGRES_HOST_AUTH_METHOD"] == "scram-sha-256"
    assert postgres["POSTGRES_PASSWORD"] == "CHANGE-ME-postgres-password"
    assert services["rabbitmq"]["environment"]["RABBITMQ_DEFAULT_USER"] != "guest"
    assert "--requirepass" in " ".join(services["redis"]["command"])
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    clients = services["clients"]["environment"]
    assert clients["NEGOCE_AMQP_URL"].startswith("amqp://negoce:CHANGE-ME-rabbitmq-password@rabbitmq")
    assert clients["NEGOCE_REDIS_URL"] == "redis://:CHANGE-ME-redis-password@redis:6379/0"
    assert clients["NEGOCE_DATABASE_BEHIND_PGBOUNCER"] == "true"
    for service in APP_DATABASES:
        assert "@pgbouncer:6432/" in clients[f"NEGOCE_{service}_DATABASE_URL"]
        assert "@postgres:5432/" in clients[f"NEGOCE_{service}_LISTEN_DATABASE_URL"]
        assert "@postgres:5432/" in services["migrate"]["environment"][f"NEGOCE_{service}_DATABASE_URL"]


def test_observability_profile_mounts_the_committed_configuration(resolved: dict[str, Any]) -> None:
    """Prometheus and Grafana only in their profile, reading deploy/observability; RabbitMQ exports its metrics."""
    services = resolved["services"]
    assert services["prometheus"]["profiles"] == ["observability"]
    assert services["grafana"]["profiles"] == ["observability"]
    mounts = " ".join(str(volume) for volume in services["prometheus"]["volumes"] + services["grafana"]["volumes"])
    for path in ("observability/prometheus.yml", "grafana/provisioning", "grafana/dashboards"):
        assert path in mounts
    plugins = (ROOT / "deploy" / "rabbitmq" / "enabled_plugins").read_text()
    assert "rabbitmq_prometheus" in plugins
