"""Settings of the reminders service (env prefix NEGOCE_REMINDERS_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RemindersSettings(ServiceSettings):
    """The reminders service's database and common settings."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_REMINDERS_", extra="ignore", populate_by_name=True)

    service_name: str = "reminders"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_reminders"
