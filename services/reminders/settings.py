"""Settings of the reminders service (env prefix NEGOCE_REMINDERS_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RemindersSettings(ServiceSettings):
    """The reminders service's database, Celery and common settings (its e-mails are sent by mailings)."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_REMINDERS_", extra="ignore", populate_by_name=True)

    service_name: str = "reminders"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_reminders"
    # A burst of due reminders (1,000 in one second) leaves in one or two relay batches.
    outbox_batch_size: int = 1_000
    # Celery's broker; empty means the project's Redis (NEGOCE_REDIS_URL).
    celery_broker_url: str = ""
    # The Celery queue of the reminders tasks: several checkouts or test runs may share one Redis.
    celery_queue: str = "reminders"
    # How often beat sends the dispatcher tick; the delay from due time to firing is at most this
    # plus the time of one batch.
    fire_interval_seconds: float = 0.5
    fire_batch_size: int = 500
    # Fault injection for the crash tests only: seconds a claim transaction keeps its rows locked
    # before it commits, so a test can kill the worker in the middle of a batch.
    fire_hold_seconds: float = 0.0

    @property
    def broker_url(self) -> str:
        """Where Celery's messages travel: its own setting, else the project's Redis."""
        return self.celery_broker_url or self.redis_url
