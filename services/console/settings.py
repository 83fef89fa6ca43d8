"""Settings of the web console (env prefix NEGOCE_CONSOLE_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.secret_files import SettingsWithSecretFiles
from shared.settings import PLACEHOLDER_MARK, ProductionSettingsError, holds_placeholder

DEVELOPMENT_CONSOLE_SECRET = "negoce-console-development-secret-do-not-use"


class ConsoleSettings(SettingsWithSecretFiles):
    """Where the public API is, where sessions are kept, and how the session cookie is set."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_CONSOLE_", extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=AliasChoices("NEGOCE_ENVIRONMENT")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("NEGOCE_LOG_LEVEL"))
    # The console is a client of the public API like any other: through the gateway.
    api_url: str = "http://127.0.0.1:8080"
    api_timeout_seconds: float = Field(default=30.0, gt=0)
    # Where the gateway runs: only from there is X-Real-IP taken as the browser's address.
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        validation_alias=AliasChoices("NEGOCE_CONSOLE_TRUSTED_PROXIES", "NEGOCE_TRUSTED_PROXIES"),
    )
    # Sessions (the tokens identity gave) live in Redis, so that no token reaches the browser and
    # any console process can serve any request.
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        validation_alias=AliasChoices("NEGOCE_CONSOLE_REDIS_URL", "NEGOCE_REDIS_URL"),
    )
    # Signs the CSRF tokens of the forms.
    secret: str = DEVELOPMENT_CONSOLE_SECRET
    # Behind TLS in production the cookie must never travel in clear; plain HTTP works on 127.0.0.1 only.
    cookie_secure: bool | None = None
    # Where `npm ci` put the front-end packages (htmx); by default services/console/node_modules.
    assets_dir: Path | None = None
    # The access token is refreshed this long before it expires, so a request never meets an expired one.
    refresh_margin_seconds: int = Field(default=60, ge=5, le=600)
    # How long the bell waits between two looks at the unread count.
    bell_poll_seconds: int = Field(default=4, ge=1, le=60)

    @property
    def secure_cookie(self) -> bool:
        """Whether the session cookie carries the Secure flag."""
        return self.environment == "production" if self.cookie_secure is None else self.cookie_secure

    @model_validator(mode="after")
    def _refuse_the_development_secret_elsewhere(self) -> ConsoleSettings:
        if self.environment != "production":
            return self
        if self.secret == DEVELOPMENT_CONSOLE_SECRET or len(self.secret) < 32 or holds_placeholder(self.secret):
            # Not a ValueError: pydantic would print the offending value, a secret, into the log.
            raise ProductionSettingsError(
                "NEGOCE_CONSOLE_SECRET must be a secret of at least 32 characters in production, not the "
                f"development one nor the examples' {PLACEHOLDER_MARK} placeholder"
            )
        if not urlsplit(self.redis_url).password:
            raise ProductionSettingsError(
                "the console's Redis URL (NEGOCE_CONSOLE_REDIS_URL or NEGOCE_REDIS_URL) has no password, refused in production"
            )
        return self
