"""The sender loop: delivers queued e-mails through the SMTP relay, in the API process's lifespan.

It is the project's only SMTP sender: e-mails to clients and the notification e-mails that other
services ask for by event (a fired reminder's) are queued in the same table and delivered alike.

SMTP cannot be exactly-once. An e-mail is claimed (its attempt counted) in one transaction, sent
outside any transaction, and its outcome recorded in a second one. A crash after the relay accepted
the message and before that second commit leaves it queued; once its claim expires it is sent again.
We choose at-least-once over at-most-once: a missing invoice is worse than a duplicate, and every
copy carries the same Message-ID (derived from the e-mail id), by which relays and mail clients can
recognise the duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiosmtplib
from asgi_correlation_id import correlation_id
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.mailings.emails import service
from services.mailings.emails.domain import (
    INTERRUPTED,
    Outcome,
    RetryPolicy,
    build_message,
    delivered,
    envelope_sender,
    failure,
)
from services.mailings.settings import MailingsSettings
from shared.db import unit_of_work
from shared.observability.metrics import SMTP_DELIVERIES

log = logging.getLogger(__name__)


class EmailSender:
    """Claims due e-mails in batches, sends them side by side and records each outcome."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], settings: MailingsSettings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.policy = RetryPolicy(
            max_attempts=settings.email_max_attempts,
            base_seconds=settings.email_retry_base_seconds,
            max_seconds=settings.email_retry_max_seconds,
        )

    async def run(self) -> None:
        """Run until cancelled; a full batch is followed at once by the next, an idle queue is polled."""
        while True:
            try:
                claimed = await self.send_due()
            except Exception:  # database down: the e-mails stay queued, try again after a pause
                log.exception("e-mail sender failed; retrying")
                claimed = 0
            if claimed < self.settings.email_batch_size:
                await asyncio.sleep(self.settings.email_poll_seconds)

    async def send_due(self) -> int:
        """Attempt one batch of due e-mails; returns how many were claimed."""
        async with unit_of_work(self.sessions) as session:
            claimed = await service.claim_due(
                session, limit=self.settings.email_batch_size, claim_seconds=self.settings.email_claim_seconds
            )
        await asyncio.gather(*(self._attempt(email) for email in claimed))
        return len(claimed)

    async def _attempt(self, claimed: Row[Any]) -> None:
        # The request's correlation id: the logs and the email.* event trace back to the call that queued it.
        token = correlation_id.set(claimed.correlation_id or f"email-{claimed.id}")
        try:
            await self._attempt_traced(claimed)
        finally:
            correlation_id.reset(token)

    async def _attempt_traced(self, claimed: Row[Any]) -> None:
        # Beyond the last attempt means the last one never reported back: report it instead of guessing.
        exhausted = claimed.attempts > self.policy.max_attempts
        outcome = INTERRUPTED if exhausted else await self._send(claimed)
        try:
            async with unit_of_work(self.sessions) as session:
                email = await service.record_outcome(session, claimed=claimed, outcome=outcome, policy=self.policy)
        except Exception:
            log.exception(
                "could not record an e-mail attempt; it is attempted again when its claim expires",
                extra={"email_id": claimed.id},
            )
            return
        status = email.status if email is not None else "superseded"
        SMTP_DELIVERIES.labels("sent" if outcome.delivered else "failed" if status == "failed" else "retried").inc()
        # A given-up e-mail is also an email.failed event; the warning is for whoever reads the logs.
        log.log(
            logging.WARNING if status == "failed" else logging.INFO,
            "e-mail attempt",
            extra={"email_id": claimed.id, "attempt": claimed.attempts, "status": status, "error": outcome.error},
        )

    async def _send(self, claimed: Row[Any]) -> Outcome:
        s = self.settings
        sender = s.email_from if claimed.user_id is None else s.reminder_email_from
        try:
            # Inside the try: an address the message cannot carry (say from a client's record) fails
            # this e-mail for good instead of stopping the loop.
            message = build_message(
                email_id=claimed.id,
                sender=sender,
                recipients=claimed.recipients,
                subject=claimed.subject,
                body=claimed.body,
                domain=s.message_id_domain,
                created_at=claimed.created_at,
            )
        except Exception as exc:  # ValueError for a header holding a line break, HeaderParseError...
            return Outcome(delivered=False, permanent=True, error=f"cannot build the message: {exc}")
        try:
            # aiosmtplib's timeout bounds each command; this bounds the whole exchange, below the claim.
            async with asyncio.timeout(s.smtp_timeout_seconds):
                refused, _ = await aiosmtplib.send(
                    message,
                    sender=envelope_sender(sender),
                    recipients=list(claimed.recipients),
                    hostname=s.smtp_host,
                    port=s.smtp_port,
                    username=s.smtp_username,
                    password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                    start_tls=s.smtp_starttls,
                    timeout=s.smtp_timeout_seconds,
                )
        except Exception as exc:  # cancellation is not an Exception: a stopping sender leaves the claim to expire
            return failure(exc)
        return delivered(refused)
