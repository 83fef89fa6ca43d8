"""What every use case starts from: the caller's account, a client of it, and the outbox of its events."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base import repository
from services.clients.base.bodies import client_body
from services.clients.models import Account, Client, outbox
from shared.auth import Principal
from shared.errors import Conflict, NotFound, Unauthorized
from shared.events.envelope import Event
from shared.outbox import add_event


class ClientMergedAway(NotFound):
    """The client was merged into another: 404, with a pointer to the client that absorbed it."""

    def __init__(self, client_id: int, kept_client_id: int) -> None:
        super().__init__(
            f"Client {client_id} was merged into client {kept_client_id}.",
            extra={"merged_into": kept_client_id, "kept_client": f"/api/clients/{kept_client_id}"},
        )


class ClientNotActive(Conflict):
    """The client is archived or erased: restore it (or nothing) before changing it."""

    def __init__(self, client: Client) -> None:
        state = "erased" if client.erased_at else "archived"
        hint = "Erased clients cannot change." if client.erased_at else "Restore it first."
        super().__init__(f"Client {client.id} is {state}. {hint}", extra={"state": state})


class UnknownAccount(Unauthorized):
    """A validly signed token whose account does not exist (deleted, or another deployment's)."""

    def __init__(self) -> None:
        super().__init__("The token names an account that does not exist.")


async def account_of(session: AsyncSession, principal: Principal) -> Account:
    """The caller's account; a token for an unknown account is refused."""
    account = await repository.get_account(session, account_id=principal.account_id)
    if account is None:
        raise UnknownAccount
    return account


async def load_client(
    session: AsyncSession, *, principal: Principal, client_id: int, for_update: bool = False
) -> Client:
    """A live client of the caller's account; 404 otherwise, pointing to the survivor of a merge."""
    client = await load_any_client(session, principal=principal, client_id=client_id, for_update=for_update)
    if client.deleted_at is not None:
        raise ClientNotActive(client)
    return client


async def load_any_client(
    session: AsyncSession, *, principal: Principal, client_id: int, for_update: bool = False
) -> Client:
    """A client of the caller's account, archived or erased ones included; 404 if deleted or merged."""
    client = await repository.get_client(
        session, account_id=principal.account_id, client_id=client_id, for_update=for_update, live_only=False
    )
    if client is not None and client.merged_into_id is not None:
        raise ClientMergedAway(client_id, client.merged_into_id)
    if client is None or (client.deleted_at is not None and client.archived_at is None and client.erased_at is None):
        raise NotFound(f"Client {client_id} does not exist.")
    return client


async def client_read(session: AsyncSession, *, account: Account, client: Client) -> dict[str, Any]:
    """Every field of a client as the API shows it, its tags read now."""
    tag_ids = await repository.client_tag_ids(session, client_id=client.id)
    return client_body(client, tag_ids=tag_ids, order=account.name_order)


async def publish(session: AsyncSession, event_class: type[Event], *, account_id: uuid.UUID, payload: Any) -> Event:
    """Write one event to the outbox of the current transaction."""
    return await add_event(session, outbox, event_class, account_id=account_id, payload=payload)
