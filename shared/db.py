"""Database plumbing: declarative base with a naming convention, engine and sessions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import sqlalchemy.ext.asyncio
from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.settings import ServiceSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Connections of a leased-job worker (exports, renders): the job's own transaction and the lease checks
# made beside it while it runs (docs/scaling.md, "Connection budget").
JOB_WORKER_CONNECTIONS = 2


def new_metadata() -> MetaData:
    """A MetaData with the project's constraint naming convention (stable Alembic diffs)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 0,
    pool_timeout: float = 10.0,
    behind_pgbouncer: bool = False,
    application_name: str | None = None,
) -> AsyncEngine:
    """An asyncpg engine whose pool is the ceiling of the connections it opens (docs/scaling.md).

    Behind PgBouncer in transaction mode, consecutive transactions may reach different server
    connections: no statement is cached or named twice (asyncpg's and SQLAlchemy's caches off, a
    unique name each), and only startup parameters PgBouncer forwards are sent, so JIT is left to the
    server's configuration there. Directly on PostgreSQL, JIT is off: our queries are short and JIT
    only adds latency.
    """
    server_settings = {} if behind_pgbouncer else {"jit": "off"}
    if application_name:
        server_settings["application_name"] = application_name
    connect_args: dict[str, Any] = {"server_settings": server_settings}
    if behind_pgbouncer:
        connect_args |= {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _unique_statement_name,
        }
    # Looked up at each call: when tracing is on, OpenTelemetry's SQLAlchemy instrumentation replaces
    # the module's create_async_engine with one that traces the engines it makes.
    return sqlalchemy.ext.asyncio.create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def _unique_statement_name() -> str:
    # asyncpg numbers its statements per client connection: through PgBouncer two clients' numbers meet
    # on one server connection ("prepared statement already exists").
    return f"__negoce_{uuid.uuid4().hex}__"


def settings_engine(settings: ServiceSettings, *, pool_size: int | None = None, **options: Any) -> AsyncEngine:
    """The engine of a service's process as its settings describe it; ``pool_size`` for a smaller process."""
    return create_engine(
        settings.database_url,
        pool_size=pool_size or settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
        behind_pgbouncer=settings.database_behind_pgbouncer,
        **options,
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
