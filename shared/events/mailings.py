"""Events published by the mailings service (exchange negoce.mailings)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from shared.events.envelope import Event


class EmailPayload(BaseModel):
    """An e-mail to a client, as the timeline shows it."""

    email_id: int
    client_id: int
    subject: str
    recipients: list[str]
    document_kind: Literal["quotes", "proforma", "invoices", "dunning"] | None = None
    attempts: int
    by_user: str
    sent_at: datetime | None = None
    error: str | None = None


class EmailSent(Event):
    """An e-mail was accepted by the SMTP relay."""

    TYPE = "email.sent"
    type: Literal["email.sent"] = "email.sent"
    payload: EmailPayload


class EmailFailed(Event):
    """An e-mail could not be delivered after its last attempt; someone must act."""

    TYPE = "email.failed"
    type: Literal["email.failed"] = "email.failed"
    payload: EmailPayload


class MailingRenderedPayload(BaseModel):
    """A paper campaign printed for its recipients."""

    campaign_id: int
    name: str
    client_ids: list[int]
    pages: int
    rendered_at: datetime


class MailingRendered(Event):
    """A paper mailing's PDF is ready: each recipient's timeline says it was printed."""

    TYPE = "mailing.rendered"
    type: Literal["mailing.rendered"] = "mailing.rendered"
    payload: MailingRenderedPayload


MAILING_EVENTS: tuple[type[Event], ...] = (EmailSent, EmailFailed, MailingRendered)
