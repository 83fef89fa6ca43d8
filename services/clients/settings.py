"""Settings of the clients service (env prefix NEGOCE_CLIENTS_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings
from shared.storage import StorageSettings


class ClientsSettings(ServiceSettings):
    """The clients service's database and common settings."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_CLIENTS_", extra="ignore", populate_by_name=True)

    service_name: str = "clients"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_clients"
    # Where finished exports wait to be downloaded with the local storage backend (NEGOCE_STORAGE_BACKEND):
    # the API and the export worker must share it. With S3 they share the bucket instead.
    export_dir: Path = Path(".run/exports")
    # NEGOCE_STORAGE_*, read by every service alike.
    storage: StorageSettings = Field(default_factory=StorageSettings)
    # A worker renews its lease with each progress report; a job whose lease ran out is taken over.
    export_lease_seconds: float = Field(60.0, gt=0)
    export_poll_seconds: float = Field(1.0, gt=0)
    export_max_attempts: int = Field(3, ge=1)
    export_retention_hours: float = Field(24.0, gt=0)
    # An export of 100,000 explicit client ids is about 1 MB of JSON.
    max_body_bytes: int = 2 * 1_048_576
