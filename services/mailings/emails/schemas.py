"""Request and response bodies of the e-mail routes (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, EmailStr, Field

from services.mailings.emails.domain import DocumentKind, smtp_address
from services.mailings.schema_types import Id
from shared.schemas import StrictBody

# Stored as the relay will be given it (see smtp_address); a caller's "hélène@…" is a 422 now, not a failure later.
Address = Annotated[EmailStr, AfterValidator(smtp_address)]
# One line: a CR or LF in a header would let a caller add headers of its own (header injection).
Subject = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\r\n]*$")]


class EmailCreate(StrictBody):
    """An e-mail to a client: explicit recipients, or the contacts receiving a kind of document."""

    multiline = frozenset({"body"})

    client_id: Id
    subject: Subject
    body: Annotated[str, Field(min_length=1, max_length=200_000)]
    recipients: Annotated[list[Address] | None, Field(min_length=1, max_length=50)] = None
    document_kind: DocumentKind | None = None


class EmailRead(BaseModel):
    """An e-mail and where its delivery stands."""

    id: int
    client_id: int
    status: str = Field(description="queued, sent or failed")
    document_kind: DocumentKind | None
    recipients: list[str]
    subject: str
    body: str
    attempts: int
    next_attempt_at: datetime | None = Field(description="When the next attempt is due (queued e-mails)")
    last_error: str | None
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    href: str


class EmailPage(BaseModel):
    """A page of e-mails, newest first, and the link to the next page (null on the last)."""

    items: list[EmailRead]
    next: str | None
