"""Settings of the identity service (env prefix NEGOCE_IDENTITY_)."""

from __future__ import annotations

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import DEVELOPMENT_JWT_SECRET, ServiceSettings


class IdentitySettings(ServiceSettings):
    """The identity service's database, token lifetimes, password hashing and sign-in limits."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_IDENTITY_", extra="ignore", populate_by_name=True)

    service_name: str = "identity"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_identity"
    # Access tokens cannot be recalled once issued: short-lived, at most 15 minutes.
    access_token_seconds: int = Field(default=900, ge=30, le=900)
    refresh_token_seconds: int = Field(default=30 * 86_400, ge=60)
    # A spent refresh token presented again this soon after it was spent is a second tab racing the
    # first one: it is answered 409 and revokes nothing. Later, it is a replay and revokes its family.
    refresh_reuse_grace_seconds: float = Field(default=10.0, ge=0, le=60)
    invitation_seconds: int = Field(default=7 * 86_400, ge=60)
    # argon2id (RFC 9106's second recommended option, with one lane): README "Identity" states them.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65_536, ge=8)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Failed sign-ins in a sliding window: per e-mail address, and per client address (higher,
    # since one office may sit behind one address).
    sign_in_window_seconds: int = Field(default=900, ge=1)
    sign_in_failures_per_email: int = Field(default=5, ge=1)
    sign_in_failures_per_address: int = Field(default=20, ge=1)
    # Where the gateway runs (addresses or networks): only from there is X-Real-IP taken as the client's
    # address. Identity's own setting first (the sign-in limits count per address), else the project's.
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        validation_alias=AliasChoices("NEGOCE_IDENTITY_TRUSTED_PROXIES", "NEGOCE_TRUSTED_PROXIES"),
    )
    # How long services and browsers may keep the published keys; a service meeting a token signed by
    # a key it does not know yet (just rotated) fetches the keys again at once.
    jwks_max_age_seconds: int = Field(default=300, ge=0)
    # Encrypts the private signing keys at rest. Only identity holds it: the other services verify
    # tokens with the published public keys. NEGOCE_JWT_SECRET is still read, for existing deployments.
    signing_key_passphrase: str = Field(
        default=DEVELOPMENT_JWT_SECRET,
        validation_alias=AliasChoices("NEGOCE_IDENTITY_SIGNING_KEY_PASSPHRASE", "NEGOCE_JWT_SECRET"),
    )
    # The demo account's owner (`negoce demo seed`, never in production): printed by `make run` to sign in with.
    demo_owner_email: str = "demo@example.com"
    demo_password: str = "vendanges-negoce-2026"
    # Where invitation and password-reset links point (the web console's pages that take their tokens).
    public_url: str = "http://127.0.0.1:8080"
    # A reset link is as good as the password for whoever reads the e-mail: valid an hour at most.
    password_reset_seconds: int = Field(default=3_600, ge=60, le=3_600)
    # Reset requests in a sliding window, per e-mail address and per client address: each one sends an e-mail.
    password_reset_window_seconds: int = Field(default=3_600, ge=1)
    password_reset_requests_per_email: int = Field(default=3, ge=1)
    password_reset_requests_per_address: int = Field(default=20, ge=1)
    # API tokens cannot outlive a year: an integration's secret gets renewed at least that often.
    api_token_max_days: int = Field(default=365, ge=1, le=365)

    @property
    def key_passphrase(self) -> bytes:
        """The passphrase the private signing keys are encrypted with."""
        return self.signing_key_passphrase.encode()

    @model_validator(mode="after")
    def _refuse_the_development_passphrase_elsewhere(self) -> IdentitySettings:
        if self.environment != "development" and (
            self.signing_key_passphrase == DEVELOPMENT_JWT_SECRET or len(self.signing_key_passphrase) < 32
        ):
            raise ValueError(
                "NEGOCE_IDENTITY_SIGNING_KEY_PASSPHRASE (or NEGOCE_JWT_SECRET) must be a secret of at least "
                f"32 characters outside development (environment is {self.environment!r})"
            )
        return self
