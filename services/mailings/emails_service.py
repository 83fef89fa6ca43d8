"""Use cases of e-mails to clients (F11, F12): queue one, read them, and record each delivery attempt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from asgi_correlation_id import correlation_id
from sqlalchemy import Row, func
from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings import emails_repository as repo
from services.mailings.emails_domain import Outcome, RetryPolicy, document_recipients, unique_addresses
from services.mailings.emails_schemas import EmailCreate
from services.mailings.models import Email, outbox
from services.mailings.replica import known_client
from shared.auth import Principal
from shared.errors import InvalidField, NotFound
from shared.events.mailings import EmailFailed, EmailPayload, EmailSent
from shared.outbox import add_event

EMAILS_PATH = "/api/mailings/emails"


async def queue_email(session: AsyncSession, *, principal: Principal, data: EmailCreate) -> dict[str, Any]:
    """Store an e-mail for the sender loop; its recipients are fixed now, from the request or the contacts."""
    if (data.recipients is None) == (data.document_kind is None):
        field = "recipients" if data.recipients is None else "document_kind"
        raise InvalidField(field, "give either recipients or document_kind, not both and not neither")
    client = await known_client(session, account_id=principal.account_id, client_id=data.client_id)
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
    """Mark an attempt's outcome: sent (email.sent), failed for good (email.failed) or due again later."""
    if outcome.delivered:
        event_class: type[EmailSent] | type[EmailFailed] | None = EmailSent
        values: dict[str, Any] = {"status": "sent", "sent_at": func.now(), "next_attempt_at": None}
    elif outcome.permanent or policy.exhausted(claimed.attempts):
        event_class = EmailFailed
        values = {"status": "failed", "failed_at": func.now(), "next_attempt_at": None}
    else:
        event_class = None
        values = {"next_attempt_at": func.now() + timedelta(seconds=policy.delay(claimed.attempts))}
    email = await repo.finish_attempt(
        session, email_id=claimed.id, attempts=claimed.attempts, values={**values, "last_error": outcome.error}
    )
    if email is not None and event_class is not None:
        await add_event(session, outbox, event_class, account_id=email.account_id, payload=email_payload(email))
    return email


def email_payload(email: Email) -> EmailPayload:
    """What email.sent and email.failed say about an e-mail (its body stays here)."""
    return EmailPayload(
        email_id=email.id,
        client_id=email.client_id,
        subject=email.subject,
        recipients=email.recipients,
        document_kind=email.document_kind,  # type: ignore[arg-type]  # the column's check keeps it a kind
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
