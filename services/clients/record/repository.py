"""Queries of a client's record: its accounting code, unique in the account."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Client


async def accounting_codes_like(session: AsyncSession, *, account_id: uuid.UUID, stem: str) -> set[str]:
    """Accounting codes of the account that start with a stem (deleted clients included)."""
    escaped = stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await session.execute(
        select(Client.accounting_code).where(
            Client.account_id == account_id, Client.accounting_code.like(f"{escaped}%", escape="\\")
        )
    )
    return set(rows.scalars())


async def lock_accounting_stem(session: AsyncSession, *, account_id: uuid.UUID, stem: str) -> None:
    """Serialise code generation for one stem until commit, so two creations never pick the same."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"{account_id}:{stem}", 0))))


async def accounting_code_taken(
    session: AsyncSession, *, account_id: uuid.UUID, code: str, except_client_id: int | None = None
) -> bool:
    """Whether another client of the account already uses this accounting code."""
    condition = [Client.account_id == account_id, Client.accounting_code == code]
    if except_client_id is not None:
        condition.append(Client.id != except_client_id)
    return bool(await session.scalar(select(exists().where(*condition))))
