"""Queries of the seller profile: one row per account."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.models import SellerProfile


async def get_profile(session: AsyncSession, *, account_id: uuid.UUID) -> SellerProfile | None:
    """The account's seller profile, None if it never set one."""
    return await session.get(SellerProfile, account_id)


async def put_profile(session: AsyncSession, *, account_id: uuid.UUID, values: dict[str, Any]) -> SellerProfile:
    """Create or replace the account's profile with ``values`` (the logo is kept); the row as it now is."""
    statement = (
        insert(SellerProfile)
        .values(account_id=account_id, **values)
        .on_conflict_do_update(index_elements=[SellerProfile.account_id], set_={**values, "updated_at": func.now()})
        .returning(SellerProfile)
    )
    return (await session.execute(statement, execution_options={"populate_existing": True})).scalar_one()


async def set_logo(
    session: AsyncSession, *, account_id: uuid.UUID, key: str | None, mime_type: str | None
) -> SellerProfile:
    """Name the logo's stored object (None removes it), creating an empty profile if there is none."""
    values = {"logo_key": key, "logo_mime_type": mime_type}
    statement = (
        insert(SellerProfile)
        .values(account_id=account_id, **values)
        .on_conflict_do_update(index_elements=[SellerProfile.account_id], set_={**values, "updated_at": func.now()})
        .returning(SellerProfile)
    )
    return (await session.execute(statement, execution_options={"populate_existing": True})).scalar_one()
