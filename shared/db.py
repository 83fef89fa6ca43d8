"""Database plumbing: declarative base with a naming convention, engine and sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import sqlalchemy.ext.asyncio
from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with the project's constraint naming convention (stable Alembic diffs)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An asyncpg engine; JIT off because our queries are short and JIT only adds latency."""
    # Looked up at each call: when tracing is on, OpenTelemetry's SQLAlchemy instrumentation replaces
    # the module's create_async_engine with one that traces the engines it makes.
    return sqlalchemy.ext.asyncio.create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": {"jit": "off"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: commits when the block succeeds, rolls back when it raises."""
    async with sessions() as session, session.begin():
        yield session


async def _request_transaction(request: Request) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(request.app.state.context.sessions) as session:
        yield session


# One transaction per request, committed when the route returns and before the response
# is sent (scope="function"), rolled back when it raises. Services never commit.
Transaction = Annotated[AsyncSession, Depends(_request_transaction, scope="function")]
