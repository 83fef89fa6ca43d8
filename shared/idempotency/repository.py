"""The idempotency_keys table of each service database and every query on it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import (
    Column,
    CursorResult,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Row,
    SmallInteger,
    Table,
    Text,
    delete,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession


def define_idempotency_keys(metadata: MetaData) -> Table:
    """The table of first answers by account and Idempotency-Key, in a service's metadata."""
    table = Table(
        "idempotency_keys",
        metadata,
        Column("account_id", UUID(as_uuid=True), nullable=False),
        Column("key", Text, nullable=False),
        Column("method", Text, nullable=False),
        Column("path", Text, nullable=False),
        # SHA-256 of the query string and the body (JSON compared as JSON): "the same request".
        Column("fingerprint", LargeBinary, nullable=False),
        Column("status_code", SmallInteger, nullable=False),
        Column("headers", JSONB, nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # Set when erasing a client blanked the answer (it named the client): a retry gets a 409.
        Column("answer_erased_at", DateTime(timezone=True)),
        PrimaryKeyConstraint("account_id", "key"),
    )
    Index("ix_idempotency_keys_created_at", table.c.created_at)
    return table


async def try_lock_key(session: AsyncSession, *, account_id: uuid.UUID, key: str) -> bool:
    """Take the key's lock until the transaction ends; False when a request holding it is still running."""
    lock_id = func.hashtextextended(f"idempotency:{account_id}:{key}", 0)
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(lock_id))))


async def find_answer(
    session: AsyncSession, table: Table, *, account_id: uuid.UUID, key: str, retention: timedelta
) -> Row[Any] | None:
    """The first answer kept under a key, unless it is older than the retention."""
    return (
        await session.execute(
            select(table).where(
                table.c.account_id == account_id, table.c.key == key, table.c.created_at > func.now() - retention
            )
        )
    ).first()


async def keep_answer(session: AsyncSession, table: Table, *, values: dict[str, Any]) -> None:
    """Keep an answer under its key, in the transaction of the change it reports.

    A row still there under the key has outlived the retention (find_answer found nothing under
    the key's lock), so the new answer replaces it.
    """
    statement = insert(table).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["account_id", "key"],
            set_={name: statement.excluded[name] for name in values if name not in ("account_id", "key")}
            | {"created_at": func.now(), "answer_erased_at": None},
        )
    )


async def delete_expired(session: AsyncSession, table: Table, *, retention: timedelta, limit: int) -> int:
    """Delete up to ``limit`` keys older than the retention; returns how many went."""
    expired = (
        select(table.c.account_id, table.c.key)
        .where(table.c.created_at <= func.now() - retention)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(delete(table).where(tuple_(table.c.account_id, table.c.key).in_(expired)))
    # A DELETE's result is a CursorResult, which session.execute's annotation does not say.
    return cast("CursorResult[Any]", result).rowcount


async def forget_answers_about_client(
    session: AsyncSession, table: Table, *, account_id: uuid.UUID, client_id: int
) -> None:
    """Blank the account's kept answers that may name a client (GDPR erasure); their keys stay.

    A kept answer is a copy of what the client looked like then (names, e-mails, notes). Any answer
    whose path or body holds the client's id as a number goes, including some that hold the same
    number for something else: the key stays, so a retry is told its answer was erased instead of
    running a second time.
    """
    number = rf"[\[:,]\s*{int(client_id)}\s*[,\]}}]"
    await session.execute(
        update(table)
        .where(
            table.c.account_id == account_id,
            table.c.answer_erased_at.is_(None),
            or_(
                table.c.path.regexp_match(rf"/{int(client_id)}(/|$)"),
                func.encode(table.c.body, "escape").regexp_match(number),
            ),
        )
        .values(body=b"", headers={}, answer_erased_at=func.now())
    )
