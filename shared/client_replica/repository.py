"""Queries of a replica table: versioned upserts, final states and the merge chain, for any service's table."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, case, func, not_, or_, select, update
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.client_replica.declaration import Lock, ReplicaTable, RowT, Values


def _live(replica: ReplicaTable[Any]) -> ColumnElement[bool]:
    c = replica.table.c
    return not_(or_(c.deleted, c.erased, c.merged_into.is_not(None)))


async def get(
    session: AsyncSession, replica: ReplicaTable[RowT], *, account_id: uuid.UUID, client_id: int, lock: Lock = None
) -> RowT | None:
    """A client's row in this account, optionally locked until commit."""
    model: Any = replica.model
    query = select(model).where(model.client_id == client_id, model.account_id == account_id)
    if lock == "update":
        query = query.with_for_update()
    elif lock == "share":
        query = query.with_for_update(read=True)
    row: RowT | None = (await session.execute(query)).scalar_one_or_none()
    return row


async def _upsert(
    session: AsyncSession,
    replica: ReplicaTable[Any],
    *,
    account_id: uuid.UUID,
    client_id: int,
    values: Values,
    set_: Callable[[Insert], Values],
) -> None:
    # A row for a client this service never saw starts as the placeholder; the account check
    # keeps a client id of another account (a bad event) from touching this account's row.
    statement = insert(replica.table).values(
        {**replica.placeholder_row(), **values, "account_id": account_id, "client_id": client_id}
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=list(replica.key), set_=set_(statement), where=replica.table.c.account_id == account_id
        )
    )


async def apply_snapshot(
    session: AsyncSession,
    replica: ReplicaTable[Any],
    *,
    account_id: uuid.UUID,
    client_id: int,
    version: int,
    values: Values,
) -> None:
    """Store a created or edited client unless a newer snapshot is stored or the client is gone.

    Flags the snapshot carries (blocked, archived) follow it only if no newer event set them.
    """
    c = replica.table.c
    carried = {flag: replica.flags[flag] for flag in values if flag in replica.flags}
    inserted = {**values, "version": version, **dict.fromkeys(carried.values(), version)}

    def set_(statement: Insert) -> Values:
        new = statement.excluded
        newer = (c.version < new.version) & _live(replica)
        changes: Values = {
            column: case((newer, new[column]), else_=c[column]) for column in values if column not in carried
        }
        for flag, vcol in carried.items():
            changes[flag] = case(((c[vcol] < new.version) & _live(replica), new[flag]), else_=c[flag])
            changes[vcol] = func.greatest(c[vcol], new.version)
        changes["version"] = func.greatest(c.version, new.version)
        return changes

    await _upsert(session, replica, account_id=account_id, client_id=client_id, values=inserted, set_=set_)


async def apply_flag(
    session: AsyncSession,
    replica: ReplicaTable[Any],
    *,
    account_id: uuid.UUID,
    client_id: int,
    flag: str,
    value: bool,
    version: int,
) -> None:
    """Set a flag from an event newer than the last one that set it (any arrival order)."""
    c = replica.table.c
    vcol = replica.flags[flag]
    await _upsert(
        session,
        replica,
        account_id=account_id,
        client_id=client_id,
        values={flag: value, vcol: version},
        set_=lambda _: {flag: case((c[vcol] < version, value), else_=c[flag]), vcol: func.greatest(c[vcol], version)},
    )


async def mark_deleted(
    session: AsyncSession, replica: ReplicaTable[Any], *, account_id: uuid.UUID, client_id: int
) -> None:
    """Keep only the id of a deleted client: the row stays, so a late snapshot cannot bring it back."""
    values = {**replica.personal(""), "deleted": True}
    await _upsert(session, replica, account_id=account_id, client_id=client_id, values=values, set_=lambda _: values)


async def mark_merged(
    session: AsyncSession,
    replica: ReplicaTable[Any],
    *,
    account_id: uuid.UUID,
    client_id: int,
    into: int,
    merge_id: int,
) -> None:
    """Record that a client now lives on as ``into``; clients merged into it earlier follow it.

    Pointers thus stay one hop long, whatever order the merges arrive in.
    """
    values: Values = {**replica.personal(""), "merged_into": into}
    if replica.records_merge_id:
        values["merge_id"] = merge_id
    await _upsert(session, replica, account_id=account_id, client_id=client_id, values=values, set_=lambda _: values)
    c = replica.table.c
    await session.execute(
        update(replica.table).where(c.account_id == account_id, c.merged_into == client_id).values(merged_into=into)
    )


async def mark_erased(
    session: AsyncSession,
    replica: ReplicaTable[Any],
    *,
    account_id: uuid.UUID,
    client_id: int,
    version: int,
    pseudonym: str,
) -> None:
    """Replace an erased client's personal data by its pseudonym, for good.

    The erasure's version makes an older snapshot delivered late unable to bring the data back.
    """
    c = replica.table.c
    values = {**replica.personal(pseudonym), "erased": True}
    await _upsert(
        session,
        replica,
        account_id=account_id,
        client_id=client_id,
        values={**values, "version": version},
        set_=lambda _: {**values, "version": func.greatest(c.version, version)},
    )
    await erase_merged_into(session, replica, account_id=account_id, client_id=client_id, pseudonym=pseudonym)


async def erase_merged_into(
    session: AsyncSession, replica: ReplicaTable[Any], *, account_id: uuid.UUID, client_id: int, pseudonym: str
) -> None:
    """Give the clients merged into an erased one its pseudonym in place of any personal data left."""
    c = replica.table.c
    await session.execute(
        update(replica.table)
        .where(c.account_id == account_id, c.merged_into == client_id)
        .values(replica.personal(pseudonym))
    )


async def survivor(
    session: AsyncSession, replica: ReplicaTable[Any], *, account_id: uuid.UUID, client_id: int, merged_client_id: int
) -> int:
    """The client a merge into ``client_id`` really ends on: itself, or the one it was merged into since.

    A later merge of the kept client may have been applied first (a failed delivery comes back
    behind newer messages): following it puts nothing on a client that no longer exists.
    """
    seen = {merged_client_id}
    while client_id not in seen:
        seen.add(client_id)
        row = await get(session, replica, account_id=account_id, client_id=client_id)
        if row is None or row.merged_into is None:
            return client_id
        client_id = row.merged_into
    # Raising leaves the event to the dead-letter queue, where someone will look at it.
    raise ValueError(f"merging client {merged_client_id} would merge it into itself")
