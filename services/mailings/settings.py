"""Settings of the mailings service (env prefix NEGOCE_MAILINGS_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MailingsSettings(ServiceSettings):
    """The mailings service's database and common settings."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_MAILINGS_", extra="ignore", populate_by_name=True)

    service_name: str = "mailings"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_mailings"
