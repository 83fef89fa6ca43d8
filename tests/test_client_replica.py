"""The shared client replica on a table of its own: versions, flags, final states, merges and erasures."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import BigInteger, Boolean, Integer, String, Text, create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.client_replica import ClientReplica, Merge, ReplicaTable, known_client, refuse_if_closed
from shared.errors import Conflict, NotFound
from shared.events import new_event
from shared.events.clients import (
    AddressPayload,
    ClientBlocked,
    ClientBlockPayload,
    ClientCreated,
    ClientDeleted,
    ClientDeletedPayload,
    ClientErased,
    ClientErasedPayload,
    ClientMerged,
    ClientMergedPayload,
    ClientSnapshot,
    ClientUnblocked,
    ClientUpdated,
    ClientUpdatedPayload,
)
from shared.inbox import define_inbox
from tests.conftest import DB_SUFFIX, RUN_ID, recreate_database


class Base(DeclarativeBase):
    """A metadata of its own: the test table lives in a database of its own."""


class ReplicaRowModel(Base):
    """A replica as a service would declare it: the common columns, two flags, a personal note, a grid."""

    __tablename__ = "test_client_replicas"

    client_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer)
    display_name: Mapped[str] = mapped_column(String(300))
    deleted: Mapped[bool] = mapped_column(Boolean)
    erased: Mapped[bool] = mapped_column(Boolean)
    merged_into: Mapped[int | None] = mapped_column(BigInteger)
    merge_id: Mapped[int | None] = mapped_column(BigInteger)
    blocked: Mapped[bool] = mapped_column(Boolean)
    flags_version: Mapped[int] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(Boolean)
    archived_version: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    price_grid_id: Mapped[int | None] = mapped_column(BigInteger)


inbox = define_inbox(Base.metadata)

TABLE = ReplicaTable(
    model=ReplicaRowModel,
    columns=lambda p: {"note": p.note, "price_grid_id": p.price_grid_id, "blocked": p.blocked, "archived": p.archived},
    personal=lambda pseudonym: {"display_name": pseudonym, "note": None},
    flags={"blocked": "flags_version", "archived": "archived_version"},
    records_merge_id=True,
)
ACCOUNT = uuid.uuid4()
merges: list[Merge] = []
erasures: list[int] = []


async def _on_merged(session: AsyncSession, event: ClientMerged, merge: Merge) -> None:
    merges.append(merge)


async def _on_erased(session: AsyncSession, event: ClientErased) -> None:
    erasures.append(event.payload.client_id)


REPLICA = ClientReplica(table=TABLE, inbox=inbox, on_merged=_on_merged, on_erased=_on_erased)


@pytest.fixture(scope="module")
async def sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A fresh database holding only the test replica and its inbox."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/negoce_replica_test{DB_SUFFIX}_{RUN_ID}"
    recreate_database(url)
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{make_url(url).database}"'))
    engine = create_async_engine(url.replace("+psycopg", "+asyncpg"), poolclass=pool.NullPool)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()
    recreate_database(url)
    admin.dispose()


_ids = iter(range(10_000, 10**9))


def client_id() -> int:
    """A client id no other test of the module uses."""
    return next(_ids)


def snapshot(cid: int, version: int, **fields: Any) -> ClientSnapshot:
    """A client as client.created and client.updated carry it."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "client_id": cid,
        "version": version,
        "kind": "company",
        "company_name": f"Client v{version}",
        "display_name": f"Client v{version}",
        "billing_address": AddressPayload(city="Beaune"),
        "accounting_code": "411C",
        "accepts_emailing": True,
        "accepts_mailing": True,
        "note": f"note v{version}",
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    return ClientSnapshot(**values)


async def created(sessions, cid: int, version: int = 1, *, account: uuid.UUID = ACCOUNT, **fields: Any) -> bool:
    """Apply a client.created (or client.updated after the first version)."""
    payload = snapshot(cid, version, **fields)
    event: ClientCreated | ClientUpdated = (
        new_event(ClientCreated, account_id=account, payload=payload)
        if version == 1
        else new_event(
            ClientUpdated, account_id=account, payload=ClientUpdatedPayload(**dict(payload), changed_fields=["note"])
        )
    )
    return await REPLICA.apply_snapshot(sessions=sessions, consumer="test", event=event)


async def blocked(sessions, cid: int, version: int, value: bool) -> None:
    """Apply a client.blocked or client.unblocked."""
    kind: Any = ClientBlocked if value else ClientUnblocked
    event = new_event(kind, account_id=ACCOUNT, payload=ClientBlockPayload(client_id=cid, version=version, by_user="u"))
    await REPLICA.apply_flag(sessions=sessions, consumer="test", event=event, flag="blocked", value=value)


def merged_event(merge_id: int, kept: int, merged: int) -> ClientMerged:
    """A client.merged of the test account."""
    payload = ClientMergedPayload(
        merge_id=merge_id, kept_client_id=kept, merged_client_id=merged, kept_version=2, by_user="u"
    )
    return new_event(ClientMerged, account_id=ACCOUNT, payload=payload)


async def erased(sessions, cid: int, version: int, pseudonym: str) -> None:
    """Apply a client.erased."""
    payload = ClientErasedPayload(client_id=cid, version=version, pseudonym=pseudonym, by_user="u")
    await REPLICA.apply_erased(
        sessions=sessions, consumer="test", event=new_event(ClientErased, account_id=ACCOUNT, payload=payload)
    )


async def row(sessions, cid: int) -> ReplicaRowModel:
    """The client's row, which must exist."""
    async with sessions() as session:
        found = await session.get(ReplicaRowModel, cid)
    assert found is not None
    return found


async def known(sessions, cid: int) -> ReplicaRowModel:
    """known_client in a transaction of its own."""
    async with sessions() as session, session.begin():
        return await known_client(session, TABLE, account_id=ACCOUNT, client_id=cid, lock="share")


async def test_an_older_snapshot_never_overwrites_a_newer_one(sessions):
    cid = client_id()
    assert await created(sessions, cid, 3, note="newest", price_grid_id=7)
    assert await created(sessions, cid, 2, note="older", price_grid_id=8)
    stored = await row(sessions, cid)
    assert (stored.version, stored.display_name, stored.note, stored.price_grid_id) == (3, "Client v3", "newest", 7)
    assert await created(sessions, cid, 4, note="newer")
    assert (await row(sessions, cid)).note == "newer"


async def test_an_event_applies_once_per_consumer(sessions):
    cid = client_id()
    event = new_event(ClientCreated, account_id=ACCOUNT, payload=snapshot(cid, 1))
    assert await REPLICA.apply_snapshot(sessions=sessions, consumer="test", event=event)
    assert not await REPLICA.apply_snapshot(sessions=sessions, consumer="test", event=event)


async def test_a_flag_follows_the_newest_event_that_set_it_whatever_the_arrival_order(sessions):
    cid = client_id()
    await blocked(sessions, cid, 5, True)  # overtakes the creation: a placeholder keeps it
    with pytest.raises(NotFound):
        await known(sessions, cid)
    await created(sessions, cid, 1, blocked=False)
    assert (await row(sessions, cid)).blocked, "the older snapshot does not undo the newer block"
    await blocked(sessions, cid, 4, False)
    assert (await row(sessions, cid)).blocked, "an older unblock loses too"
    # Archiving has its own version: the newer block's version does not make this archive look stale.
    await created(sessions, cid, 3, archived=True)
    stored = await row(sessions, cid)
    assert (stored.archived, stored.blocked, stored.version) == (True, True, 3)
    await blocked(sessions, cid, 6, False)
    assert not (await row(sessions, cid)).blocked
    assert (await known(sessions, cid)).client_id == cid


async def test_closed_states_are_refused_only_where_the_caller_asks(sessions):
    cid = client_id()
    await created(sessions, cid, 1, blocked=True, archived=True)
    client = await known(sessions, cid)
    refuse_if_closed(client, action="e-mailed")  # neither archived nor blocked is refused by default
    with pytest.raises(Conflict) as refused:
        refuse_if_closed(client, action="given new orders", archived=True, blocked=True)
    assert refused.value.extra == {"reason": "client_archived", "client_id": cid}
    with pytest.raises(Conflict) as refused:
        refuse_if_closed(client, action="given new orders", blocked=True)
    assert refused.value.extra["reason"] == "client_blocked"
    assert "may not be given new orders" in refused.value.detail


async def test_a_deleted_client_keeps_only_its_id_and_a_late_snapshot_does_not_bring_it_back(sessions):
    cid = client_id()
    await created(sessions, cid, 1, note="private")
    event = new_event(
        ClientDeleted, account_id=ACCOUNT, payload=ClientDeletedPayload(client_id=cid, version=2, by_user="u")
    )
    await REPLICA.apply_deleted(sessions=sessions, consumer="test", event=event)
    await created(sessions, cid, 3, note="late")
    stored = await row(sessions, cid)
    assert (stored.deleted, stored.display_name, stored.note, stored.version) == (True, "", None, 3)
    with pytest.raises(NotFound):
        await known(sessions, cid)


async def test_another_accounts_event_leaves_the_row_alone(sessions):
    cid = client_id()
    await created(sessions, cid, 1, note="ours")
    await created(sessions, cid, 2, note="theirs", account=uuid.uuid4())
    stored = await row(sessions, cid)
    assert (stored.account_id, stored.version, stored.note) == (ACCOUNT, 1, "ours")


async def test_merges_applied_out_of_order_end_on_the_surviving_client(sessions):
    first, second, last = client_id(), client_id(), client_id()
    for cid in (first, second, last):
        await created(sessions, cid, 1)
    merges.clear()
    await REPLICA.apply_merged(sessions=sessions, consumer="test", event=merged_event(2, last, second))
    await REPLICA.apply_merged(sessions=sessions, consumer="test", event=merged_event(1, second, first))
    assert [(m.merged_client_id, m.kept_client_id, m.kept_erased_as) for m in merges] == [
        (second, last, None),
        (first, last, None),
    ]
    stored = await row(sessions, first)
    assert (stored.merged_into, stored.merge_id, stored.display_name, stored.note) == (last, 1, "", None)
    with pytest.raises(Conflict) as refused:
        await known(sessions, first)
    assert refused.value.extra == {"reason": "client_merged", "client_id": first, "kept_client_id": last}
    # The same merge delivered again under another event id moves nothing twice.
    await REPLICA.apply_merged(sessions=sessions, consumer="test", event=merged_event(1, second, first))
    assert len(merges) == 2


async def test_a_merge_into_itself_through_a_chain_is_refused_and_rolled_back(sessions):
    one, other = client_id(), client_id()
    await created(sessions, one, 1)
    await created(sessions, other, 1)
    await REPLICA.apply_merged(sessions=sessions, consumer="test", event=merged_event(3, other, one))
    cycle = merged_event(4, one, other)
    with pytest.raises(ValueError, match="into itself"):
        await REPLICA.apply_merged(sessions=sessions, consumer="test", event=cycle)
    assert (await row(sessions, other)).merged_into is None
    async with sessions() as session:
        seen = await session.scalar(text("SELECT count(*) FROM inbox WHERE event_id = :e"), {"e": cycle.event_id})
    assert seen == 0, "the event goes back to the broker, unapplied"


async def test_an_erasure_is_final_and_reaches_the_clients_merged_into_it(sessions):
    kept, merged, late = client_id(), client_id(), client_id()
    await created(sessions, kept, 1)
    await created(sessions, merged, 1, note="private")
    await REPLICA.apply_merged(sessions=sessions, consumer="test", event=merged_event(5, kept, merged))
    erasures.clear()
    await erased(sessions, kept, 4, "ANONYME-1")
    assert erasures == [kept]
    await created(sessions, kept, 3, note="stale")  # taken before the erasure, delivered after
    stored = await row(sessions, kept)
    assert (stored.erased, stored.display_name, stored.note, stored.version) == (True, "ANONYME-1", None, 4)
    assert (await row(sessions, merged)).display_name == "ANONYME-1"
    with pytest.raises(Conflict) as refused:
        refuse_if_closed(await known(sessions, kept), action="e-mailed")
    assert refused.value.extra["reason"] == "client_erased"
    # A merge into the erased client reaches the replica after the erasure: the hook hears it.
    merges.clear()
    await created(sessions, late, 1, note="brought along")
    await REPLICA.apply_merged(sessions=sessions, consumer="test", event=merged_event(6, kept, late))
    assert [(m.kept_client_id, m.kept_erased_as) for m in merges] == [(kept, "ANONYME-1")]
    stored = await row(sessions, late)
    assert (stored.display_name, stored.note) == ("ANONYME-1", None)


async def test_an_erasure_that_overtakes_the_creation_stays(sessions):
    cid = client_id()
    await erased(sessions, cid, 4, "ANONYME-2")
    await created(sessions, cid, 1, note="private")
    stored = await row(sessions, cid)
    assert (stored.display_name, stored.note, stored.version, stored.erased) == ("ANONYME-2", None, 4, True)
