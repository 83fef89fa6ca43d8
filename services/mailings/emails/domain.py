"""Rules of e-mails to clients: who receives a document, the message itself, retries and failures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import Any, Literal

import aiosmtplib

DocumentKind = Literal["quotes", "proforma", "invoices", "dunning"]


def smtp_address(address: str) -> str:
    """The address as a relay without SMTPUTF8 takes it: ASCII before the @, the domain in IDNA form.

    Raises ValueError for an address that cannot be written so ("hélène@…").
    """
    local, _, domain = address.strip().rpartition("@")
    if not local or not local.isascii():
        raise ValueError("the part before @ must be ASCII")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError as exc:
        raise ValueError(f"the domain {domain!r} cannot be written in ASCII") from exc


def unique_addresses(addresses: Iterable[str | None]) -> list[str]:
    """Addresses in their first order, once each whatever their case, empty ones dropped."""
    seen: dict[str, str] = {}
    for address in addresses:
        if address and address.strip():
            seen.setdefault(address.strip().casefold(), address.strip())
    return list(seen.values())


def document_recipients(
    *, kind: DocumentKind, contacts: Sequence[Mapping[str, Any]], client_email: str | None
) -> list[str]:
    """The contacts flagged for this kind of document, else the client's own address (may be empty).

    Raises ValueError naming an address that no relay would take.
    """
    flagged = unique_addresses(c.get("email") for c in contacts if c.get(f"receives_{kind}"))
    chosen = flagged or unique_addresses([client_email])
    try:
        return unique_addresses(smtp_address(address) for address in chosen)
    except ValueError as exc:
        raise ValueError(f"{exc} in {chosen}") from exc


def retry_delay(*, attempts: int, base_seconds: float, max_seconds: float) -> float:
    """Seconds to wait after the given number of failed attempts: doubling from base, capped."""
    return min(max_seconds, base_seconds * 2 ** max(attempts - 1, 0))


def message_id(*, email_id: int, domain: str) -> str:
    """The Message-ID of an e-mail: stable across attempts, so a resent copy can be recognised."""
    return f"<email-{email_id}@{domain}>"


def build_message(
    *,
    email_id: int,
    sender: str,
    recipients: Sequence[str],
    subject: str,
    body: str,
    domain: str,
    created_at: datetime,
) -> EmailMessage:
    """A UTF-8 text message; the policy encodes accented headers (RFC 2047) and the body for 7-bit relays."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = [Address(addr_spec=address) for address in recipients]
    message["Subject"] = subject
    message["Date"] = format_datetime(created_at)
    message["Message-ID"] = message_id(email_id=email_id, domain=domain)
    message.set_content(body, cte="quoted-printable")
    return message


def envelope_sender(sender: str) -> str:
    """The bare address of a From header such as 'Négoce <no-reply@example.fr>'."""
    return getaddresses([sender])[0][1]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one delivery attempt came to."""

    delivered: bool
    permanent: bool = False
    error: str | None = None


def delivered(refused: Mapping[str, Any]) -> Outcome:
    """The relay accepted the message, possibly refusing some recipients (named in the error)."""
    if not refused:
        return Outcome(delivered=True)
    names = ", ".join(f"{address} ({response.code} {response.message})" for address, response in refused.items())
    return Outcome(delivered=True, error=f"refused recipients: {names}")


def failure(exc: BaseException) -> Outcome:
    """Classify a failed attempt: a 5xx about the recipients or the content is permanent, the rest is retried."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        details = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        return Outcome(
            delivered=False, permanent=all(code >= 500 for code in codes), error=f"all recipients refused: {details}"
        )
    if isinstance(exc, aiosmtplib.SMTPDataError):
        # The relay refused this message's content: sending it again would fail the same way.
        return Outcome(delivered=False, permanent=500 <= exc.code < 600, error=f"{exc.code} {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        # Refused login, sender or greeting are the relay's configuration, not this message's fault:
        # retried, so the queue drains once an operator fixes the settings (and fails loudly if not).
        return Outcome(delivered=False, error=f"{exc.code} {exc.message}")
    if isinstance(exc, TimeoutError):
        return Outcome(delivered=False, error="SMTP relay timed out")
    return Outcome(delivered=False, error=f"{type(exc).__name__}: {exc}".strip())


# A claim whose attempt never recorded an outcome (the sender crashed or was stopped mid-send).
INTERRUPTED = Outcome(
    delivered=False,
    permanent=True,
    error=(
        "the last attempt was interrupted before its outcome was recorded; the e-mail may or may not have been "
        "delivered"
    ),
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many attempts an e-mail gets and how long to wait between them."""

    max_attempts: int
    base_seconds: float
    max_seconds: float

    def exhausted(self, attempts: int) -> bool:
        """Whether no attempt is left after this many."""
        return attempts >= self.max_attempts

    def delay(self, attempts: int) -> float:
        """Seconds to wait after this many failed attempts."""
        return retry_delay(attempts=attempts, base_seconds=self.base_seconds, max_seconds=self.max_seconds)


def without_personal_data(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An e-mail event's payload as an erasure leaves it: no address, no subject, no error quoting them."""
    if kind in ("email.sent", "email.failed"):
        return {**payload, "recipients": [], "subject": "", "error": None}
    return payload
