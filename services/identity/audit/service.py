"""Use cases of the audit trail: record an action, apply another service's audit event once, read a page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.identity.audit import repository
from services.identity.base.domain import Actor
from services.identity.models import AuditEntry, inbox
from shared.consumer import apply_once
from shared.errors import InvalidField
from shared.events.audit import AuditRecorded

AUDIT_PATH = "/api/identity/audit"
CONSUMER = "identity.audit"


async def record(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    actor: Actor,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one of identity's own actions to the account's trail, in the action's transaction."""
    await repository.add_entry(
        session,
        account_id=account_id,
        at=datetime.now(UTC),
        user_id=actor.user_id,
        role=actor.role,
        action=action,
        target=target,
        client_address=actor.client_address,
        detail=detail or {},
        source="identity",
    )


async def apply_recorded(*, sessions: async_sessionmaker[AsyncSession], source: str, event: AuditRecorded) -> bool:
    """Append another service's audit event to the trail, once however often it is delivered."""
    p = event.payload

    async def effect(session: AsyncSession) -> None:
        # Clipped to the columns: a line too long to store would otherwise dead-letter the whole event.
        await repository.add_entry(
            session,
            account_id=event.account_id,
            at=p.at,
            user_id=p.user_id,
            role=p.role[:12] if p.role else None,
            action=p.action[:100],
            target=p.target,
            client_address=p.client_address[:64] if p.client_address else None,
            detail=p.detail,
            source=source,
        )

    return await apply_once(sessions=sessions, inbox=inbox, consumer=CONSUMER, event=event, effect=effect)


def entry_view(entry: AuditEntry) -> dict[str, Any]:
    """A line of the trail as the API shows it."""
    return {
        "id": entry.id,
        "at": entry.at,
        "user_id": entry.user_id,
        "role": entry.role,
        "action": entry.action,
        "target": entry.target,
        "client_address": entry.client_address,
        "detail": entry.detail,
        "source": entry.source,
    }


async def audit_page(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    user_id: uuid.UUID | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
    before: int | None,
    limit: int,
) -> dict[str, Any]:
    """A page of the account's trail, newest first, with the link to the next (older) page."""
    if since is not None and until is not None and until <= since:
        raise InvalidField("to", "must be after from")
    # One more than asked tells whether another page exists without counting.
    entries = await repository.page(
        session,
        account_id=account_id,
        user_id=user_id,
        action=action,
        since=since,
        until=until,
        before=before,
        limit=limit + 1,
    )
    shown = entries[:limit]
    next_link = None
    if len(entries) > limit:
        filters = {"user_id": user_id, "action": action, "from": since, "to": until}
        query = {
            name: str(value) if not isinstance(value, datetime) else value.isoformat()
            for name, value in filters.items()
            if value is not None
        }
        next_link = f"{AUDIT_PATH}?{urlencode({**query, 'before': shown[-1].id, 'limit': limit})}"
    return {"items": [entry_view(e) for e in shown], "next": next_link}
