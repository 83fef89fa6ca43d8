"""Settings of the mailings service (env prefix NEGOCE_MAILINGS_)."""

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings
from shared.storage import StorageSettings


class MailingsSettings(ServiceSettings):
    """The mailings service's database, SMTP relay, e-mail delivery, clients service and render settings."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_MAILINGS_", extra="ignore", populate_by_name=True)

    service_name: str = "mailings"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/negoce_mailings"

    # The relay: in development the local server of `make run` (services.mailings.emails.dev_smtp).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    email_from: str = "Négoce <no-reply@negoce.localhost>"
    # The From of the notification e-mails a fired reminder sends its assigned user.
    reminder_email_from: str = "Négoce <rappels@negoce.localhost>"
    # Message-IDs are <email-{id}@{domain}>: the same e-mail sent twice carries the same id.
    message_id_domain: str = "negoce.localhost"

    run_email_sender: bool = True
    email_poll_seconds: float = 1.0
    email_batch_size: int = 10
    email_max_attempts: int = 5
    # Waits between attempts: base, then doubled, capped (30 s, 1 min, 2 min, 4 min by default).
    email_retry_base_seconds: float = 30.0
    email_retry_max_seconds: float = 3600.0
    # A claimed e-mail is not claimed again before this; a sender that crashed mid-send frees it then.
    email_claim_seconds: float = 300.0

    # Campaign recipients are resolved through the clients service's HTTP API.
    clients_url: str = "http://127.0.0.1:8101"
    clients_timeout_seconds: float = Field(30.0, gt=0)
    # Background images reach 10 MB: bodies up to 16 MB are read (and refused with a 422 naming
    # the image when too big); larger ones are cut short by the 413 of the body-size middleware.
    max_body_bytes: int = 16 * 1024 * 1024

    # Where finished PDFs wait to be downloaded with the local storage backend (NEGOCE_STORAGE_BACKEND):
    # the API and the render worker must share it. With S3 they share the bucket instead.
    render_dir: Path = Path(".run/renders")
    # Campaigns' uploaded background images with the local backend; by default the folder "images"
    # in render_dir, which the API and the render worker (which draws them) already share.
    image_dir: Path | None = None
    # NEGOCE_STORAGE_*, read by every service alike.
    storage: StorageSettings = Field(default_factory=StorageSettings)
    render_lease_seconds: float = Field(30.0, gt=0)
    render_poll_seconds: float = Field(1.0, gt=0)
    render_max_attempts: int = Field(3, ge=1)
    render_retention_hours: float = Field(72.0, gt=0)

    @model_validator(mode="after")
    def _claim_outlives_a_send(self) -> "MailingsSettings":
        # A claim that expired while its send still runs would let a second sender deliver it too.
        if self.email_claim_seconds <= self.smtp_timeout_seconds:
            raise ValueError("NEGOCE_MAILINGS_EMAIL_CLAIM_SECONDS must exceed NEGOCE_MAILINGS_SMTP_TIMEOUT_SECONDS")
        if self.email_max_attempts < 1:
            raise ValueError("NEGOCE_MAILINGS_EMAIL_MAX_ATTEMPTS must be at least 1")
        return self
