"""Sending the notification e-mails recorded by firings, after their commit, with retries."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reminders import repository as repo
from services.reminders.models import NotificationEmail
from services.reminders.settings import RemindersSettings
from shared.db import unit_of_work

log = logging.getLogger(__name__)


def message(email: NotificationEmail, *, sender: str) -> EmailMessage:
    """The MIME message of an e-mail intent; its Message-ID is stable, so a resend is recognisable."""
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = email.to_address
    mime["Subject"] = email.subject
    mime["Message-ID"] = f"<reminder-notification-{email.id}@negoce>"
    mime.set_content(email.body)
    return mime


async def send_next(sessions: async_sessionmaker[AsyncSession], settings: RemindersSettings) -> bool:
    """Send the next due e-mail and record the outcome; False when none is due.

    One e-mail per transaction: a worker killed after the SMTP server accepted a message and
    before the commit resends that one message only (e-mail is at least once; the firing is not).
    """
    async with unit_of_work(sessions) as session:
        email = await repo.claim_email(session)
        if email is None:
            return False
        email.attempts += 1
        try:
            mime = message(email, sender=settings.mail_from)
        except Exception as exc:
            # A message that cannot be written (a line break in a header, queued before names were
            # checked) fails the same way every time: give it up now, or it would stay first in line
            # and hold up every account's notifications behind it.
            _record_failure(email, exc, settings, permanent=True)
            return True
        try:
            await aiosmtplib.send(
                mime, hostname=settings.smtp_host, port=settings.smtp_port, timeout=settings.smtp_timeout_seconds
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            _record_failure(email, exc, settings)
        else:
            email.status, email.sent_at, email.last_error = "sent", datetime.now(UTC), None
    return True


def _record_failure(
    email: NotificationEmail, exc: Exception, settings: RemindersSettings, *, permanent: bool = False
) -> None:
    email.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    if permanent or email.attempts >= settings.email_max_attempts:
        email.status = "failed"
        log.error("notification e-mail failed for good", extra={"email_id": email.id, "error": email.last_error})
        return
    # Exponential back-off: an SMTP server down for a few minutes costs a handful of attempts.
    delay = settings.email_retry_seconds * 2 ** (email.attempts - 1)
    email.next_attempt_at = datetime.now(UTC) + timedelta(seconds=delay)
    log.warning("notification e-mail not sent; will retry", extra={"email_id": email.id, "error": email.last_error})


async def send_pending(sessions: async_sessionmaker[AsyncSession], settings: RemindersSettings) -> int:
    """Send due e-mails, at most one batch; returns how many were attempted."""
    attempted = 0
    while attempted < settings.email_batch_size and await send_next(sessions, settings):
        attempted += 1
    return attempted
