"""Whether a client may be acted on: known to the service, not merged away, not closed."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.client_replica import repository
from shared.client_replica.declaration import Lock, ReplicaRow, ReplicaTable, RowT
from shared.errors import Conflict, NotFound


async def known_client(
    session: AsyncSession, replica: ReplicaTable[RowT], *, account_id: uuid.UUID, client_id: int, lock: Lock = None
) -> RowT:
    """A live client of the account as this service knows it; 409 naming the kept client if merged, else 404.

    Writers that attach something to the client lock its row: a merge or an erasure then either
    waits for them and moves or cleans what they wrote, or goes first and they see its outcome.
    """
    row = await repository.get(session, replica, account_id=account_id, client_id=client_id, lock=lock)
    if row is not None and row.merged_into is not None:
        raise Conflict(
            f"Client {client_id} was merged into client {row.merged_into}: use that client.",
            extra={"reason": "client_merged", "client_id": client_id, "kept_client_id": row.merged_into},
        )
    # Version 0: only a lifecycle event arrived so far, the client's creation has not.
    if row is None or row.deleted or row.version == 0:
        raise NotFound(f"Client {client_id} does not exist.")
    return row


def refuse_if_closed(
    client: ReplicaRow, *, action: str, erased: bool = True, archived: bool = False, blocked: bool = False
) -> None:
    """409 when the client is in a state the caller refuses: erased, archived or blocked.

    ``action`` completes "it may not be ...", e.g. "given new orders" or "e-mailed".
    """
    row: Any = client
    client_id = client.client_id
    if erased and client.erased:
        raise Conflict(
            f"Client {client_id}'s personal data was erased (GDPR): it may not be {action}.",
            extra={"reason": "client_erased", "client_id": client_id},
        )
    if archived and row.archived:
        raise Conflict(
            f"Client {client_id} is archived: restore it first, it may not be {action}.",
            extra={"reason": "client_archived", "client_id": client_id},
        )
    if blocked and row.blocked:
        raise Conflict(
            f"Client {client_id} is blocked: it may not be {action}.",
            extra={"reason": "client_blocked", "client_id": client_id},
        )
