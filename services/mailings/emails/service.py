"""Use cases of e-mails: queue one to a client or to a user, read them, and record each delivery attempt.

E-mails to a client are asked for over HTTP (sent from the client's sheet, or a document to the
contacts flagged for it). E-mails to a user are asked for by other services' events: a fired
reminder's notification (reminder.email_requested), an invitation or a password-reset link
(sign_in_email.requested). The sender loop delivers them all alike.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from asgi_correlation_id import correlation_id
from sqlalchemy import Row, case, func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.mailings.client_replica import service as clients
from services.mailings.emails import repository as repo
from services.mailings.emails.domain import (
    Outcome,
    RetryPolicy,
    document_recipients,
    smtp_address,
    unique_addresses,
)
from services.mailings.emails.schemas import EmailCreate
from services.mailings.models import Email, inbox, outbox
from shared.auth import Principal
from shared.consumer import apply_once
from shared.errors import InvalidField, NotFound
from shared.events.identity import SignInEmailRequested
from shared.events.mailings import EmailFailed, EmailPayload, EmailSent
from shared.events.reminders import ReminderEmailRequested
from shared.outbox import add_event

log = logging.getLogger(__name__)
EMAILS_PATH = "/api/mailings/emails"
# The created_by of e-mails no user queued: the service that asked for them.
REMINDERS_SERVICE = "reminders"
IDENTITY_SERVICE = "identity"
# The client_id of an e-mail about no client (an invitation, a reset link): the column is required and
# client ids start at 1, so no client's deletion, merge or erasure ever reaches these e-mails.
NO_CLIENT = 0


async def queue_email(session: AsyncSession, *, principal: Principal, data: EmailCreate) -> dict[str, Any]:
    """Store an e-mail for the sender loop; its recipients are fixed now, from the request or the contacts."""
    if (data.recipients is None) == (data.document_kind is None):
        field = "recipients" if data.recipients is None else "document_kind"
        raise InvalidField(field, "give either recipients or document_kind, not both and not neither")
    client = await clients.known_client(session, account_id=principal.account_id, client_id=data.client_id)
    if data.document_kind is not None:
        try:
            recipients = document_recipients(
                kind=data.document_kind, contacts=client.contacts, client_email=client.email
            )
        except ValueError as exc:
            raise InvalidField("document_kind", f"the client's recipients cannot be e-mailed: {exc}") from exc
        if not recipients:
            raise InvalidField(
                "document_kind",
                f"client {data.client_id} has no contact receiving "
                f"{data.document_kind} and no e-mail address of its own",
            )
    else:
        recipients = unique_addresses(data.recipients or [])
    email = await repo.add_email(
        session,
        Email(
            account_id=principal.account_id,
            client_id=client.client_id,
            document_kind=data.document_kind,
            recipients=recipients,
            subject=data.subject,
            body=data.body,
            status="queued",
            attempts=0,
            created_by=principal.user_id,
            correlation_id=correlation_id.get(),
        ),
    )
    return email_body(email)


async def apply_reminder_email(
    *, sessions: async_sessionmaker[AsyncSession], consumer: str, event: ReminderEmailRequested
) -> bool:
    """Queue a fired reminder's e-mail to its user, once per event however often it is delivered."""

    async def effect(session: AsyncSession) -> None:
        await queue_reminder_email(session, event=event)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def queue_reminder_email(session: AsyncSession, *, event: ReminderEmailRequested) -> Email | None:
    """Store a reminder's notification e-mail for the sender loop; None when its client is deleted or erased."""
    p = event.payload
    client = await clients.client_standing(session, account_id=event.account_id, client_id=p.client_id)
    if client is not None and (client.deleted or client.erased):
        # The client's deletion or erasure overtook the request: its reminders are deleted or blanked
        # in the reminders service, and its personal data must not be stored here again.
        log.info("reminder e-mail dropped: its client is gone", extra={"notification_id": p.notification_id})
        return None
    # A merge that overtook the request: the e-mail goes with the client's other e-mails.
    client_id = client.merged_into if client is not None and client.merged_into is not None else p.client_id
    email = Email(
        account_id=event.account_id,
        client_id=client_id,
        user_id=p.user_id,
        document_kind=None,
        subject=p.subject,
        body=p.body,
        attempts=0,
        created_by=REMINDERS_SERVICE,
        correlation_id=event.correlation_id,
    )
    if not _addressed(email, p.to_address):
        log.warning("reminder e-mail given up", extra={"notification_id": p.notification_id, "error": email.last_error})
    return await repo.add_email(session, email)


def _addressed(email: Email, to: str) -> bool:
    """Queue an e-mail to one user; False when no relay would take the address, and it is given up now.

    Such an address fails the same way every time: given up at once, for all to see.
    """
    try:
        email.recipients, email.status = [smtp_address(to)], "queued"
        return True
    except ValueError as exc:
        email.recipients, email.status, email.next_attempt_at = [to], "failed", None
        email.failed_at, email.last_error = func.now(), f"cannot be sent to {to!r}: {exc}"
        return False


async def apply_sign_in_email(
    *, sessions: async_sessionmaker[AsyncSession], consumer: str, event: SignInEmailRequested
) -> bool:
    """Queue an invitation or password-reset e-mail to a user, once per event however often it is delivered."""

    async def effect(session: AsyncSession) -> None:
        await queue_sign_in_email(session, event=event)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)


async def queue_sign_in_email(session: AsyncSession, *, event: SignInEmailRequested) -> Email:
    """Store identity's e-mail to a user for the sender loop; an address no relay takes fails at once."""
    p = event.payload
    email = Email(
        account_id=event.account_id,
        client_id=NO_CLIENT,
        user_id=str(p.user_id),
        document_kind=None,
        subject=p.subject,
        body=p.body,
        attempts=0,
        created_by=IDENTITY_SERVICE,
        correlation_id=event.correlation_id,
    )
    if not _addressed(email, p.to):
        email.body = ""  # the link is never sent: not kept either
        log.warning("sign-in e-mail given up", extra={"kind": p.kind, "error": email.last_error})
    return await repo.add_email(session, email)


async def get_email(session: AsyncSession, *, principal: Principal, email_id: int) -> dict[str, Any]:
    """An e-mail of the account and where its delivery stands."""
    email = await repo.get_email(session, account_id=principal.account_id, email_id=email_id)
    if email is None:
        raise NotFound(f"E-mail {email_id} does not exist.")
    return email_body(email)


async def list_emails(
    session: AsyncSession, *, principal: Principal, client_id: int | None, before: int | None, limit: int
) -> dict[str, Any]:
    """A page of the account's e-mails (one client's if given), newest first, with the next page's link."""
    # One more than asked tells whether another page exists without counting.
    emails = await repo.list_emails(
        session, account_id=principal.account_id, client_id=client_id, before=before, limit=limit + 1
    )
    page = emails[:limit]
    next_link = None
    if len(emails) > limit:
        query = f"?limit={limit}&before={page[-1].id}"
        next_link = EMAILS_PATH + query + (f"&client_id={client_id}" if client_id is not None else "")
    return {"items": [email_body(e) for e in page], "next": next_link}


async def claim_due(session: AsyncSession, *, limit: int, claim_seconds: float) -> list[Row[Any]]:
    """Claim the e-mails due for an attempt, counting the attempt now (a crash mid-send still counts)."""
    return await repo.claim_due(session, limit=limit, claim_seconds=claim_seconds)


async def record_outcome(
    session: AsyncSession, *, claimed: Row[Any], outcome: Outcome, policy: RetryPolicy
) -> Email | None:
    """Mark an attempt's outcome: sent (email.sent), failed for good (email.failed) or due again later.

    The events tell a client's timeline about its correspondence: e-mails to users publish none.
    """
    # Identity's e-mails carry a single-use link that is as good as a password: not kept once done with.
    forget_link = {"body": case((Email.created_by == IDENTITY_SERVICE, ""), else_=Email.body)}
    if outcome.delivered:
        event_class: type[EmailSent] | type[EmailFailed] | None = EmailSent
        values: dict[str, Any] = {"status": "sent", "sent_at": func.now(), "next_attempt_at": None, **forget_link}
    elif outcome.permanent or policy.exhausted(claimed.attempts):
        event_class = EmailFailed
        values = {"status": "failed", "failed_at": func.now(), "next_attempt_at": None, **forget_link}
    else:
        event_class = None
        values = {"next_attempt_at": func.now() + timedelta(seconds=policy.delay(claimed.attempts))}
    email = await repo.finish_attempt(
        session, email_id=claimed.id, attempts=claimed.attempts, values={**values, "last_error": outcome.error}
    )
    if email is not None and event_class is not None and email.user_id is None:
        await add_event(session, outbox, event_class, account_id=email.account_id, payload=email_payload(email))
    return email


async def move_client_emails(
    session: AsyncSession, *, account_id: uuid.UUID, from_client_id: int, to_client_id: int
) -> int:
    """Re-point a merged client's e-mails at the kept client; returns how many moved."""
    return await repo.move_client_emails(
        session, account_id=account_id, from_client_id=from_client_id, to_client_id=to_client_id
    )


async def delete_client_emails(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> int:
    """Delete every e-mail of a client, queued ones included (never sent); returns how many went."""
    return await repo.delete_client_emails(session, account_id=account_id, client_id=client_id)


async def erase_client_emails(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, reason: str) -> int:
    """Blank recipients, subject and body of a client's e-mails; queued ones are given up with the reason."""
    return await repo.erase_client_emails(session, account_id=account_id, client_id=client_id, reason=reason)


def email_payload(email: Email) -> EmailPayload:
    """What email.sent and email.failed say about an e-mail (its body stays here)."""
    return EmailPayload(
        email_id=email.id,
        client_id=email.client_id,
        subject=email.subject,
        recipients=email.recipients,
        document_kind=email.document_kind,
        attempts=email.attempts,
        by_user=email.created_by,
        sent_at=email.sent_at,
        error=email.last_error,
    )


def email_body(email: Email) -> dict[str, Any]:
    """The HTTP view of an e-mail."""
    return {
        "id": email.id,
        "client_id": email.client_id,
        "status": email.status,
        "document_kind": email.document_kind,
        "recipients": email.recipients,
        "subject": email.subject,
        "body": email.body,
        "attempts": email.attempts,
        "next_attempt_at": email.next_attempt_at if email.status == "queued" else None,
        "last_error": email.last_error,
        "created_by": email.created_by,
        "created_at": email.created_at,
        "sent_at": email.sent_at,
        "failed_at": email.failed_at,
        "href": f"{EMAILS_PATH}/{email.id}",
    }
