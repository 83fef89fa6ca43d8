"""Settings of the orders service (env prefix NEGOCE_ORDERS_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings
from shared.storage import StorageSettings


class OrdersSettings(ServiceSettings):
    """The orders service's database and common settings."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_ORDERS_", extra="ignore", populate_by_name=True)

    service_name: str = "orders"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_orders"
    # Issued invoices' and credit notes' PDFs and the sellers' logos with the local storage backend
    # (NEGOCE_STORAGE_BACKEND): every replica of the service must share it. With S3, "orders/documents/".
    document_dir: Path = Path(".run/documents")
    # A logo is at most 1 MB: bodies up to 2 MB are read (and refused with a 422 naming the logo when
    # too big); larger ones are cut short by the 413 of the body-size middleware.
    max_body_bytes: int = 2 * 1024 * 1024
    # NEGOCE_STORAGE_*, read by every service alike.
    storage: StorageSettings = Field(default_factory=StorageSettings)
