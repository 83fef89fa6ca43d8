"""Announce an action for the account's audit trail, in the transaction that does it.

The identity service keeps the trail (an append-only table) from the audit.recorded events every
service publishes through its outbox: the entry exists exactly when the action committed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.events.audit import AuditPayload, AuditRecorded
from shared.outbox import add_event


def _user_uuid(user_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(user_id)
    except ValueError:  # the system's own work (demo seeding, the command line)
        return None


async def record_audit(
    session: AsyncSession,
    outbox: Table,
    *,
    principal: Principal,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write an audit.recorded event: who (and from where) did ``action`` to ``target``.

    ``target`` and ``detail`` hold ids and counts, never free text: the trail is append-only and
    outlives a client's erasure, so it must not hold what the client is known by.
    """
    await add_event(
        session,
        outbox,
        AuditRecorded,
        account_id=principal.account_id,
        payload=AuditPayload(
            action=action,
            user_id=_user_uuid(principal.user_id),
            role=principal.role,
            target=target,
            client_address=principal.client_address,
            at=datetime.now(UTC),
            detail=detail or {},
        ),
    )
