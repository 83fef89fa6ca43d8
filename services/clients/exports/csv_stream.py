"""CSV for French Excel streamed from PostgreSQL: constant memory, no cell formatted in Python.

A clients export reads each client's stored line through a cursor; a contacts export lets COPY
write the formatted cells.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.clients.exports.columns import Column
from services.clients.exports.repository import for_asyncpg

BOM = "\ufeff".encode()
LINES_PER_CHUNK = 2_000
Compiled = tuple[str, list[Any]]  # SQL text with $n placeholders and its arguments
QUEUED_CHUNKS = 32  # backpressure: COPY waits when the client reads slower than the database writes


def header_line(columns: Sequence[Column]) -> bytes:
    """The header row, with the BOM that tells Excel the file is UTF-8."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerow(c.header for c in columns)
    return BOM + out.getvalue().encode()


def stream_csv(
    engine: AsyncEngine, statement: Select, columns: Sequence[Column], *, lines: bool
) -> AsyncIterator[bytes]:
    """The CSV file of a statement whose rows are stored lines or already formatted cells.

    The statement is compiled now, before the first byte, like every check of the request: what
    can still fail once the header row is sent is the database, and then the response is aborted
    (shared.http.UnhandledErrorMiddleware), so the client sees a cut transfer, not a short file.
    """
    compiled = for_asyncpg(statement)
    return _file(engine, header_line(columns), compiled, lines=lines)


async def _file(engine: AsyncEngine, header: bytes, compiled: Compiled, *, lines: bool) -> AsyncIterator[bytes]:
    yield header
    async with engine.connect() as connection:
        async for chunk in compiled_chunks(connection, compiled, lines=lines):
            yield chunk


def csv_chunks(connection: AsyncConnection, statement: Select, *, lines: bool) -> AsyncIterator[bytes]:
    """The rows of an export as CSV bytes, in chunks."""
    return compiled_chunks(connection, for_asyncpg(statement), lines=lines)


async def _driver_connection(connection: AsyncConnection) -> Any:
    """The asyncpg connection under SQLAlchemy's: COPY and server-side cursors are asyncpg's own API."""
    raw = (await connection.get_raw_connection()).driver_connection
    if raw is None:  # a connection the pool invalidated; a live one always has its driver's
        raise RuntimeError("the database connection is closed")
    return raw


def compiled_chunks(connection: AsyncConnection, compiled: Compiled, *, lines: bool) -> AsyncIterator[bytes]:
    """The rows of a compiled export statement as CSV bytes, in chunks."""
    return line_chunks(connection, compiled) if lines else copy_chunks(connection, compiled)


async def line_chunks(connection: AsyncConnection, compiled: Compiled) -> AsyncIterator[bytes]:
    """The stored CSV lines a statement selects, a few thousand per chunk, through a server-side cursor."""
    sql, args = compiled
    raw = await _driver_connection(connection)
    # A cursor lives in a transaction: the caller's (the export worker's snapshot) or one of its own.
    scope = contextlib.nullcontext() if raw.is_in_transaction() else raw.transaction()
    async with scope:
        cursor = await raw.cursor(sql, *args)
        while rows := await cursor.fetch(LINES_PER_CHUNK):
            yield ("\n".join([row[0] for row in rows]) + "\n").encode()


async def copy_chunks(connection: AsyncConnection, compiled: Compiled) -> AsyncIterator[bytes]:
    """The rows of a statement as CSV, as COPY sends them: no row is ever decoded in Python."""
    sql, args = compiled
    chunks: asyncio.Queue[bytes | bytearray | None] = asyncio.Queue(maxsize=QUEUED_CHUNKS)
    raw = await _driver_connection(connection)

    async def copy() -> None:
        try:
            await raw.copy_from_query(sql, *args, output=chunks.put, format="csv", delimiter=";")
        except asyncio.CancelledError:
            raise  # nobody reads any more: no end marker to queue
        except Exception:
            await chunks.put(None)
            raise
        await chunks.put(None)

    task = asyncio.create_task(copy())
    try:
        while (chunk := await chunks.get()) is not None:
            yield bytes(chunk)  # asyncpg hands over a reused bytearray
        await task  # raises what COPY raised
    finally:
        if not task.done():
            # The reader went away mid-file: stop COPY and drop the connection rather than reuse it.
            task.cancel()
            await connection.invalidate()
