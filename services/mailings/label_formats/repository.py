"""Queries of label sheets: the account's own formats and its printer calibration."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.models import AccountLabelFormat, LabelSettings


async def account_formats(session: AsyncSession, *, account_id: uuid.UUID) -> list[AccountLabelFormat]:
    """The account's own formats by code."""
    return list(
        await session.scalars(
            select(AccountLabelFormat)
            .where(AccountLabelFormat.account_id == account_id)
            .order_by(AccountLabelFormat.code)
        )
    )


async def account_format(session: AsyncSession, *, account_id: uuid.UUID, code: str) -> AccountLabelFormat | None:
    """One of the account's own formats."""
    return await session.scalar(
        select(AccountLabelFormat).where(AccountLabelFormat.account_id == account_id, AccountLabelFormat.code == code)
    )


async def add_format(session: AsyncSession, fmt: AccountLabelFormat) -> AccountLabelFormat:
    """Insert an account format (a duplicate code is an IntegrityError, a 409)."""
    session.add(fmt)
    await session.flush()
    await session.refresh(fmt)
    return fmt


async def delete_format(session: AsyncSession, *, account_id: uuid.UUID, code: str) -> bool:
    """Delete one of the account's formats; False if it had none by that code."""
    result = await session.execute(
        delete(AccountLabelFormat).where(AccountLabelFormat.account_id == account_id, AccountLabelFormat.code == code)
    )
    return result.rowcount > 0  # type: ignore[attr-defined]  # a DELETE's result is a CursorResult


async def get_settings(session: AsyncSession, *, account_id: uuid.UUID) -> LabelSettings | None:
    """The account's calibration, if it set one."""
    return await session.get(LabelSettings, account_id)


async def put_settings(session: AsyncSession, *, account_id: uuid.UUID, offset_x_mm: float, offset_y_mm: float) -> None:
    """Set the account's calibration (insert or replace)."""
    values = {"account_id": account_id, "offset_x_mm": offset_x_mm, "offset_y_mm": offset_y_mm}
    await session.execute(
        insert(LabelSettings)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[LabelSettings.account_id], set_={"offset_x_mm": offset_x_mm, "offset_y_mm": offset_y_mm}
        )
    )
