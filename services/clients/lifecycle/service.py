"""Use cases of how a client leaves the base and comes back: delete, archive, restore (erasing: erasure slice)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.service import account_of, client_read, load_any_client, load_client, publish
from services.clients.lifecycle import repository
from services.clients.models import Client, outbox
from services.clients.timeline import service as timeline
from services.clients.timeline.domain import archive_text
from shared.audit import record_audit
from shared.auth import Principal
from shared.errors import Conflict
from shared.events.clients import (
    ClientArchived,
    ClientArchivePayload,
    ClientDeleted,
    ClientDeletedPayload,
    ClientRestored,
)


class ClientHasDocuments(Conflict):
    """A client with orders or invoices cannot be deleted: invoices are kept by law."""

    def __init__(self, client_id: int) -> None:
        base = f"/api/clients/{client_id}"
        super().__init__(
            f"Client {client_id} has orders or invoices, which must be kept; archive it (restorable) or erase "
            "its personal data instead.",
            extra={
                "alternatives": [
                    {
                        "action": "archive",
                        "method": "POST",
                        "href": f"{base}/archive",
                        "effect": "hidden from the list and the order picker, restorable",
                    },
                    {
                        "action": "erase",
                        "method": "POST",
                        "href": f"{base}/erase",
                        "effect": "personal data removed in every service, documents kept under a pseudonym",
                    },
                ]
            },
        )


async def delete_client(session: AsyncSession, *, principal: Principal, client_id: int) -> None:
    """Delete a client that has no orders and no invoices; otherwise 409 offering archive or erase."""
    client = await load_client(session, principal=principal, client_id=client_id, for_update=True)
    account_id = principal.account_id
    if await repository.client_has_invoices(
        session, account_id=account_id, client_id=client.id
    ) or await repository.client_has_orders(session, account_id=account_id, client_id=client.id):
        raise ClientHasDocuments(client_id)
    _leave_base(client)
    await session.flush()
    await publish(
        session,
        ClientDeleted,
        account_id=principal.account_id,
        payload=ClientDeletedPayload(client_id=client.id, version=client.version, by_user=principal.user_id),
    )
    await record_audit(session, outbox, principal=principal, action="client.deleted", target=f"client:{client.id}")


async def archive_client(session: AsyncSession, *, principal: Principal, client_id: int) -> dict[str, Any]:
    """Hide a client from the list, the search and the order picker; archiving twice changes nothing."""
    client = await load_any_client(session, principal=principal, client_id=client_id, for_update=True)
    if client.erased_at is not None:
        raise Conflict(f"Client {client_id} is erased and cannot be archived.")
    if client.archived_at is None:
        _leave_base(client)
        client.archived_at, client.archived_by = client.deleted_at, principal.user_id
        await _announce(session, principal=principal, client=client, archived=True)
    return await _body(session, principal=principal, client=client)


async def restore_client(session: AsyncSession, *, principal: Principal, client_id: int) -> dict[str, Any]:
    """Bring an archived client back to the list and the picker; restoring a live client changes nothing."""
    client = await load_any_client(session, principal=principal, client_id=client_id, for_update=True)
    if client.erased_at is not None:
        raise Conflict(f"Client {client_id} is erased and cannot be restored.")
    if client.archived_at is not None:
        client.deleted_at = client.archived_at = client.archived_by = None
        _touch(client)
        await _announce(session, principal=principal, client=client, archived=False)
    return await _body(session, principal=principal, client=client)


def _leave_base(client: Client) -> None:
    # deleted_at takes the client out of every live query (list, search, counts, exports).
    client.deleted_at = datetime.now(UTC)
    _touch(client)


def _touch(client: Client) -> None:
    client.version += 1
    client.updated_at = datetime.now(UTC)


async def _announce(session: AsyncSession, *, principal: Principal, client: Client, archived: bool) -> None:
    await session.flush()
    event = await publish(
        session,
        ClientArchived if archived else ClientRestored,
        account_id=principal.account_id,
        payload=ClientArchivePayload(client_id=client.id, version=client.version, by_user=principal.user_id),
    )
    await timeline.add_own_entry(
        session,
        client=client,
        event=event,
        text=archive_text(archived=archived, by_user=principal.display_name),
    )


async def _body(session: AsyncSession, *, principal: Principal, client: Client) -> dict[str, Any]:
    return await client_read(session, account=await account_of(session, principal), client=client)
