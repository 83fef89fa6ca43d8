"""Settings shared by every service, read from the environment (pydantic-settings)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shared.secret_files import SettingsWithSecretFiles

DEVELOPMENT_JWT_SECRET = "negoce-development-secret-do-not-use-in-production"
# What the committed examples (deploy/compose.env.example, deploy/kubernetes/secret.example.yaml) put
# where a secret goes: production refuses any setting that still holds it.
PLACEHOLDER_MARK = "CHANGE-ME"


class ProductionSettingsError(RuntimeError):
    """Production settings hold a default or placeholder credential.

    Not a ValueError on purpose: pydantic would wrap that in a ValidationError that prints every input
    value, the real secrets included, into the log.
    """


def holds_placeholder(value: object) -> bool:
    """Whether a setting still holds the examples' placeholder, in any letter case."""
    return isinstance(value, str) and PLACEHOLDER_MARK.lower() in value.lower()


def production_credential_problems(settings: ServiceSettings) -> list[str]:
    """What in these settings is a default or placeholder credential, one phrase each (empty when none)."""
    problems = [
        f"{name} still holds the {PLACEHOLDER_MARK} placeholder" for name, value in settings if holds_placeholder(value)
    ]
    amqp = urlsplit(settings.amqp_url)
    if (amqp.username or "guest") == "guest" or not amqp.password:
        problems.append("amqp_url uses RabbitMQ's guest user or no password")
    if not urlsplit(settings.redis_url).password:
        problems.append("redis_url has no password")
    # Every database URL a service holds (its own, and the direct one for LISTEN behind PgBouncer).
    for name, value in settings:
        if name.endswith("database_url") and isinstance(value, str) and value:
            try:
                password = make_url(value).password
            except ArgumentError:
                problems.append(f"{name} is not a database URL")
                continue
            if not password:
                problems.append(f"{name} has no password")
    if getattr(settings, "signing_key_passphrase", None) == DEVELOPMENT_JWT_SECRET:
        problems.append("signing_key_passphrase is the development one")
    return problems


def _shared(name: str) -> AliasChoices:
    """Project-wide settings are read from NEGOCE_<NAME> by every service alike."""
    return AliasChoices(f"NEGOCE_{name.upper()}")


class ServiceSettings(SettingsWithSecretFiles):
    """Base class: each service subclasses it with its own env prefix and database."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "negoce"
    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=_shared("environment")
    )
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce"
    amqp_url: str = Field(default="amqp://guest:guest@127.0.0.1:5672/", validation_alias=_shared("amqp_url"))
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias=_shared("redis_url"))
    log_level: str = Field(default="INFO", validation_alias=_shared("log_level"))
    # --- Database connections (docs/scaling.md, "Connection budget") ---
    # The pool is the ceiling: a process never holds more than database_pool_size + database_max_overflow
    # connections, plus one for the relay's LISTEN (database_connections). Every process of every service
    # shares the server's max_connections (100 by default), so these stay small and are summed in the docs.
    database_pool_size: int = Field(default=5, ge=1, validation_alias=_shared("database_pool_size"))
    database_max_overflow: int = Field(default=0, ge=0, validation_alias=_shared("database_max_overflow"))
    # How long a request waits for a free connection before it is answered 503 with Retry-After.
    database_pool_timeout_seconds: float = Field(default=10.0, gt=0, validation_alias=_shared("database_pool_timeout"))
    # PgBouncer in transaction mode hands each transaction any server connection: no prepared statement
    # may outlive a statement, and no startup parameter but the few PgBouncer tracks may be sent.
    database_behind_pgbouncer: bool = Field(default=False, validation_alias=_shared("database_behind_pgbouncer"))
    # LISTEN needs one server session for as long as it listens, which transaction pooling cannot give:
    # behind PgBouncer, point this at PostgreSQL itself (NEGOCE_<SERVICE>_LISTEN_DATABASE_URL).
    listen_database_url: str = ""
    # --- Retention of relayed outbox rows and inbox rows (shared/retention.py, docs/architecture.md) ---
    # A relayed outbox row is only history: a week to look into what was sent.
    outbox_retention_hours: float = Field(default=7 * 24, gt=0, validation_alias=_shared("outbox_retention_hours"))
    # An inbox row is what makes a second copy of an event harmless, so it must outlive every second
    # copy: a redelivery, a relay's re-publication after a crash, a dead letter replayed by hand
    # (replay within a week). At least a day, whatever the setting.
    inbox_retention_hours: float = Field(default=14 * 24, ge=24, validation_alias=_shared("inbox_retention_hours"))
    retention_sweep_seconds: float = Field(default=600, gt=0, validation_alias=_shared("retention_sweep_seconds"))
    max_body_bytes: int = 1_048_576
    # The relay wakes on NOTIFY; this poll is only the safety net for a missed notification.
    outbox_poll_seconds: float = 1.0
    outbox_batch_size: int = 200
    # Unacknowledged messages per consumer: room for a batch to gather while one commits.
    consumer_prefetch: int = 400
    consumer_delivery_limit: int = Field(default=5, validation_alias=_shared("consumer_delivery_limit"))
    run_consumers: bool = True
    run_outbox_relay: bool = True
    # Identity's public keys (JWKS), which every service verifies access tokens with.
    identity_jwks_url: str = Field(
        default="http://127.0.0.1:8105/api/identity/.well-known/jwks.json",
        validation_alias=_shared("identity_jwks_url"),
    )
    # How long the keys are kept before being fetched again (a token naming an unknown key fetches them at once).
    identity_jwks_max_age_seconds: float = Field(default=300, ge=1, validation_alias=_shared("identity_jwks_max_age"))
    # How often each API process reads what identity announced (revocations, disabled users, closed
    # accounts): a revoked token is refused everywhere within about twice this.
    access_refresh_seconds: float = Field(default=1.0, gt=0, le=2.5, validation_alias=_shared("access_refresh_seconds"))
    # Where the gateway runs (addresses or networks): only from there is X-Real-IP taken as the client's address.
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"], validation_alias=_shared("trusted_proxies")
    )
    # Fault injection for the crash tests only (shared/fault_injection.py): a regular expression of
    # "METHOD /path"; the process kills itself after the commit of a matching request, before its reply.
    crash_after_commit_on: str = ""

    @model_validator(mode="after")
    def _refuse_fault_injection_outside_tests(self) -> ServiceSettings:
        if self.crash_after_commit_on and self.environment != "test":
            raise ValueError("crash_after_commit_on is fault injection for the tests: only in the test environment")
        return self

    @model_validator(mode="after")
    def _refuse_default_credentials_in_production(self) -> ServiceSettings:
        # A production process must not start on the development defaults (trust, guest:guest, an open
        # Redis) nor on the examples' placeholders: say every offending setting at once, at start.
        if self.environment == "production" and (problems := production_credential_problems(self)):
            raise ProductionSettingsError(
                f"{type(self).__name__} refused in production (NEGOCE_ENVIRONMENT=production): " + "; ".join(problems)
            )
        return self

    @property
    def sync_database_url(self) -> str:
        """The same database through psycopg, for Alembic and bulk tools."""
        return self.database_url.replace("+asyncpg", "+psycopg")

    @property
    def raw_database_dsn(self) -> str:
        """A libpq DSN without the SQLAlchemy driver suffix (asyncpg.connect, COPY)."""
        return _libpq_dsn(self.database_url)

    @property
    def listen_dsn(self) -> str:
        """Where the outbox relay LISTENs: PostgreSQL itself, even when the pool goes through PgBouncer."""
        return _libpq_dsn(self.listen_database_url or self.database_url)

    @property
    def direct_sync_database_url(self) -> str:
        """PostgreSQL itself through psycopg, never PgBouncer: for tools that hold a session (pg_dump, pg_restore)."""
        return (self.listen_database_url or self.database_url).replace("+asyncpg", "+psycopg")

    @property
    def database_connections(self) -> int:
        """The most connections this process opens: its pool at its fullest, and the relay's LISTEN."""
        listening = 1 if self.run_outbox_relay else 0
        return self.database_pool_size + self.database_max_overflow + listening


def _libpq_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql").replace("postgresql+psycopg", "postgresql")
