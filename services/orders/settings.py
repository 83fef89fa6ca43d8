"""Settings of the orders service (env prefix NEGOCE_ORDERS_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    """The orders service's database and common settings."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_ORDERS_", extra="ignore", populate_by_name=True)

    service_name: str = "orders"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_orders"
