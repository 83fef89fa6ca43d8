"""Queries of the client replica: each client's e-mail data as the clients service's events describe it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, BigInteger, and_, any_, case, cast, func, not_, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.models import EmailClient

SNAPSHOT_FIELDS = ("display_name", "email", "accepts_emailing", "contacts")
KEY = ["account_id", "client_id"]


def _live() -> Any:
    return not_(or_(EmailClient.deleted, EmailClient.erased, EmailClient.merged_into.is_not(None)))


async def lock_client(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> EmailClient | None:
    """A client of the account, share-locked: a merge, deletion or erasure waits for the caller's commit."""
    query = (
        select(EmailClient)
        .where(EmailClient.account_id == account_id, EmailClient.client_id == client_id)
        .with_for_update(read=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def apply_snapshot(session: AsyncSession, *, values: dict[str, Any]) -> None:
    """Store a snapshot unless a newer one is stored or the client is gone (deleted, merged, erased)."""
    statement = insert(EmailClient).values(**values, flags_version=values["version"], deleted=False, erased=False)
    new = statement.excluded
    newer = and_(EmailClient.version < new.version, _live())
    set_: dict[str, Any] = {f: case((newer, new[f]), else_=getattr(EmailClient, f)) for f in SNAPSHOT_FIELDS}
    set_.update(
        version=func.greatest(EmailClient.version, new.version),
        archived=case(
            (and_(EmailClient.flags_version < new.version, _live()), new.archived), else_=EmailClient.archived
        ),
        flags_version=func.greatest(EmailClient.flags_version, new.version),
    )
    await session.execute(statement.on_conflict_do_update(index_elements=KEY, set_=set_))


async def apply_archived(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, version: int, archived: bool
) -> None:
    """Set the archived flag from an event newer than the last one that set it."""
    statement = insert(EmailClient).values(
        account_id=account_id,
        client_id=client_id,
        version=0,
        flags_version=version,
        display_name="",
        archived=archived,
        contacts=[],
        accepts_emailing=False,
        deleted=False,
        erased=False,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=KEY,
            set_={
                "archived": case((EmailClient.flags_version < version, archived), else_=EmailClient.archived),
                "flags_version": func.greatest(EmailClient.flags_version, version),
            },
        )
    )


async def _tombstone(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, version: int, display_name: str = "", **flags: Any
) -> None:
    # Personal data goes; the row stays, so a snapshot arriving late cannot resurrect the client.
    forget = {"display_name": display_name, "email": None, "contacts": [], "accepts_emailing": False}
    statement = insert(EmailClient).values(
        **{
            "account_id": account_id,
            "client_id": client_id,
            "version": version,
            "flags_version": version,
            "archived": False,
            "deleted": False,
            "erased": False,
            **forget,
            **flags,
        }
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=KEY, set_={**forget, **flags, "version": func.greatest(EmailClient.version, version)}
        )
    )


async def mark_deleted(session: AsyncSession, *, account_id: uuid.UUID, client_id: int, version: int) -> None:
    """Forget a deleted client, keeping only its id as a tombstone."""
    await _tombstone(session, account_id=account_id, client_id=client_id, version=version, deleted=True)


async def mark_erased(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, version: int, pseudonym: str
) -> None:
    """Replace an erased client's data by its pseudonym."""
    await _tombstone(
        session, account_id=account_id, client_id=client_id, version=version, display_name=pseudonym, erased=True
    )


async def merge_target(session: AsyncSession, *, account_id: uuid.UUID, kept_client_id: int) -> int:
    """Where a merge into this client really ends: the client itself, or the one it was merged into since.

    Merges may arrive out of order (B into C applied before A into B); pointers stay one hop long.
    """
    query = (
        select(EmailClient.merged_into)
        .where(EmailClient.account_id == account_id, EmailClient.client_id == kept_client_id)
        .with_for_update()
    )
    return (await session.execute(query)).scalar_one_or_none() or kept_client_id


async def mark_merged(
    session: AsyncSession, *, account_id: uuid.UUID, merged_client_id: int, kept_client_id: int
) -> None:
    """Point the merged client, and any client merged into it before, at the kept one."""
    await _tombstone(session, account_id=account_id, client_id=merged_client_id, version=0, merged_into=kept_client_id)
    await session.execute(
        update(EmailClient)
        .where(EmailClient.account_id == account_id, EmailClient.merged_into == merged_client_id)
        .values(merged_into=kept_client_id)
    )


async def erased_ids(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Sequence[int]) -> set[int]:
    """The clients among these whose personal data was erased."""
    if not client_ids:
        return set()
    # One array parameter: a campaign's selection may name more clients than a statement takes parameters.
    ids = cast(sorted(set(client_ids)), ARRAY(BigInteger))
    rows = await session.scalars(
        select(EmailClient.client_id).where(
            EmailClient.account_id == account_id, EmailClient.client_id == any_(ids), EmailClient.erased.is_(True)
        )
    )
    return set(rows)


async def pseudonym_of(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> str | None:
    """An erased client's pseudonym (its name here since the erasure), or None if it is not erased."""
    return await session.scalar(
        select(EmailClient.display_name).where(
            EmailClient.account_id == account_id, EmailClient.client_id == client_id, EmailClient.erased.is_(True)
        )
    )
