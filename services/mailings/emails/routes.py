"""HTTP routes of e-mails to clients: queue one, list a client's, read one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from services.mailings.emails import service
from services.mailings.emails.schemas import EmailCreate, EmailPage, EmailRead, Id
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/mailings/emails", tags=["e-mails"], route_class=IdempotentRoute)
EmailId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("", response_model=EmailRead, status_code=status.HTTP_202_ACCEPTED)
async def send_email(body: EmailCreate, principal: Staff, session: Transaction, response: Response) -> Any:
    """Queue an e-mail to a client (explicit recipients or a document kind's contacts); sent in the background."""
    email = await service.queue_email(session, principal=principal, data=body)
    response.headers["Location"] = email["href"]
    return email


@router.get("", response_model=EmailPage)
async def list_emails(
    principal: Reader,
    session: Transaction,
    client_id: Annotated[Id | None, Query()] = None,
    before: Annotated[Id | None, Query(description="Only e-mails older than this id (next page)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """E-mails of the account or of one client, newest first, by pages."""
    return await service.list_emails(session, principal=principal, client_id=client_id, before=before, limit=limit)


@router.get("/{email_id}", response_model=EmailRead)
async def get_email(email_id: EmailId, principal: Reader, session: Transaction) -> Any:
    """An e-mail: status (queued, sent, failed), attempts, last error, recipients, when it was sent."""
    return await service.get_email(session, principal=principal, email_id=email_id)
