"""Client events applied once to a service's replica, then to the service's own data through its hooks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.client_replica import repository
from shared.client_replica.declaration import ReplicaTable, RowT
from shared.consumer import apply_once
from shared.events.clients import ClientCreated, ClientDeleted, ClientErased, ClientMerged, ClientUpdated
from shared.events.envelope import Event

Sessions = async_sessionmaker[AsyncSession]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Merge:
    """A merge as applied to the replica: where the merged client's rows must go now."""

    account_id: uuid.UUID
    merge_id: int
    merged_client_id: int
    # The client the merge really ends on (the kept one, or the one it was merged into since).
    kept_client_id: int
    # The kept client's pseudonym if its erasure arrived first: what the merged client brings is erased too.
    kept_erased_as: str | None


OnDeleted = Callable[[AsyncSession, ClientDeleted], Awaitable[None]]
OnMerged = Callable[[AsyncSession, ClientMerged, Merge], Awaitable[None]]
OnErased = Callable[[AsyncSession, ClientErased], Awaitable[None]]


@dataclass(frozen=True)
class ClientReplica(Generic[RowT]):
    """A service's replica with its inbox, and the hooks that follow a client's end on the service's data.

    Every hook runs in the transaction that changed the replica, after the replica's row was
    written (and so locked): a request attaching something to that client commits first, or
    waits and then sees the outcome.
    """

    table: ReplicaTable[RowT]
    inbox: Table
    on_deleted: OnDeleted | None = None
    on_merged: OnMerged | None = None
    on_erased: OnErased | None = None

    async def _once(
        self, sessions: Sessions, consumer: str, event: Event, effect: Callable[[AsyncSession], Awaitable[None]]
    ) -> bool:
        return await apply_once(sessions=sessions, inbox=self.inbox, consumer=consumer, event=event, effect=effect)

    async def apply_snapshot(self, *, sessions: Sessions, consumer: str, event: ClientCreated | ClientUpdated) -> bool:
        """Store what the service keeps of a created or edited client."""
        p = event.payload
        values = {"display_name": p.display_name, **self.table.columns(p)}

        async def effect(session: AsyncSession) -> None:
            await repository.apply_snapshot(
                session,
                self.table,
                account_id=event.account_id,
                client_id=p.client_id,
                version=p.version,
                values=values,
            )

        return await self._once(sessions, consumer, event, effect)

    async def apply_flag(self, *, sessions: Sessions, consumer: str, event: Event, flag: str, value: bool) -> bool:
        """Set a declared flag (blocked, archived) from a lifecycle event carrying client_id and version."""
        p: Any = event.payload

        async def effect(session: AsyncSession) -> None:
            await repository.apply_flag(
                session,
                self.table,
                account_id=event.account_id,
                client_id=p.client_id,
                flag=flag,
                value=value,
                version=p.version,
            )

        return await self._once(sessions, consumer, event, effect)

    async def apply_deleted(self, *, sessions: Sessions, consumer: str, event: ClientDeleted) -> bool:
        """Keep only the id of a deleted client, then let the service drop what it held of it."""

        async def effect(session: AsyncSession) -> None:
            await repository.mark_deleted(
                session, self.table, account_id=event.account_id, client_id=event.payload.client_id
            )
            if self.on_deleted is not None:
                await self.on_deleted(session, event)

        return await self._once(sessions, consumer, event, effect)

    async def apply_merged(self, *, sessions: Sessions, consumer: str, event: ClientMerged) -> bool:
        """Point the merged client at the kept one, then let the service move its rows there."""

        async def effect(session: AsyncSession) -> None:
            merge = await self.merge(session, event=event)
            if merge is not None and self.on_merged is not None:
                await self.on_merged(session, event, merge)

        return await self._once(sessions, consumer, event, effect)

    async def apply_erased(self, *, sessions: Sessions, consumer: str, event: ClientErased) -> bool:
        """Replace the client's personal data by its pseudonym, then let the service erase what it holds."""
        p = event.payload

        async def effect(session: AsyncSession) -> None:
            await repository.mark_erased(
                session,
                self.table,
                account_id=event.account_id,
                client_id=p.client_id,
                version=p.version,
                pseudonym=p.pseudonym,
            )
            if self.on_erased is not None:
                await self.on_erased(session, event)

        return await self._once(sessions, consumer, event, effect)

    async def merge(self, session: AsyncSession, *, event: ClientMerged) -> Merge | None:
        """Apply a merge to the replica; None when there is nothing left to move."""
        p, account_id = event.payload, event.account_id
        if p.kept_client_id == p.merged_client_id:
            log.warning("merge %s keeps and merges client %s: nothing to move", p.merge_id, p.kept_client_id)
            return None
        # Both locked first, in id order like writers lock them: a request attaching something to
        # either client commits before (and its rows are moved) or waits and then sees the merge.
        locked = {
            client_id: await repository.get(
                session, self.table, account_id=account_id, client_id=client_id, lock="update"
            )
            for client_id in sorted((p.kept_client_id, p.merged_client_id))
        }
        merged: Any = locked[p.merged_client_id]
        if self.table.records_merge_id and merged is not None and merged.merge_id == p.merge_id:
            log.info("merge %s of client %s was already applied", p.merge_id, p.merged_client_id)
            return None
        kept = await repository.survivor(
            session, self.table, account_id=account_id, client_id=p.kept_client_id, merged_client_id=p.merged_client_id
        )
        await repository.mark_merged(
            session, self.table, account_id=account_id, client_id=p.merged_client_id, into=kept, merge_id=p.merge_id
        )
        survivor = await repository.get(session, self.table, account_id=account_id, client_id=kept)
        erased_as = survivor.display_name if survivor is not None and survivor.erased else None
        if erased_as is not None:
            await repository.erase_merged_into(
                session, self.table, account_id=account_id, client_id=kept, pseudonym=erased_as
            )
        return Merge(
            account_id=account_id,
            merge_id=p.merge_id,
            merged_client_id=p.merged_client_id,
            kept_client_id=kept,
            kept_erased_as=erased_as,
        )
