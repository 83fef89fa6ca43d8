"""Settings of the clients service (env prefix NEGOCE_CLIENTS_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ClientsSettings(ServiceSettings):
    """The clients service's database and common settings."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_CLIENTS_", extra="ignore", populate_by_name=True)

    service_name: str = "clients"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_clients"
