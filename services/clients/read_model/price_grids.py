"""The replica of the orders service's price grid names, which the search's grid: resolves a name against."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.clients.models import inbox
from services.clients.read_model import repository
from shared.consumer import apply_once
from shared.events.orders import PriceGridCreated, PriceGridRenamed


async def note_price_grid(
    *, sessions: async_sessionmaker[AsyncSession], consumer: str, event: PriceGridCreated | PriceGridRenamed
) -> bool:
    """Keep a grid's name at the highest version seen: duplicates and any arrival order converge."""

    async def effect(session: AsyncSession) -> None:
        await repository.record_price_grid(session, account_id=event.account_id, grid=event.payload)

    return await apply_once(sessions=sessions, inbox=inbox, consumer=consumer, event=event, effect=effect)
