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

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.clients.exports.columns import Column
from services.clients.exports.queries import for_asyncpg

BOM = "\ufeff".encode()
LINES_PER_CHUNK = 2_000
QUEUED_CHUNKS = 32  # backpressure: COPY waits when the client reads slower than the database writes


def header_line(columns: Sequence[Column]) -> bytes:
    """The header row, with the BOM that tells Excel the file is UTF-8."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerow(c.header for c in columns)
    return BOM + out.getvalue().encode()


async def stream_csv(engine: AsyncEngine, statement: Select, columns: Sequence[Column], *, lines: bool
                     ) -> AsyncIterator[bytes]:
    """The CSV file of a statement whose rows are stored lines or already formatted cells."""
    yield header_line(columns)
    async with engine.connect() as connection:
        async for chunk in csv_chunks(connection, statement, lines=lines):
            yield chunk


def csv_chunks(connection: AsyncConnection, statement: Select, *, lines: bool) -> AsyncIterator[bytes]:
    """The rows of an export as CSV bytes, in chunks."""
    return line_chunks(connection, statement) if lines else copy_chunks(connection, statement)


async def line_chunks(connection: AsyncConnection, statement: Select) -> AsyncIterator[bytes]:
    """The stored CSV lines a statement selects, a few thousand per chunk, through a server-side cursor."""
    sql, args = for_asyncpg(statement)
    raw = (await connection.get_raw_connection()).driver_connection
    # A cursor lives in a transaction: the caller's (the export worker's snapshot) or one of its own.
    scope = contextlib.nullcontext() if raw.is_in_transaction() else raw.transaction()
    async with scope:
        cursor = await raw.cursor(sql, *args)
        while rows := await cursor.fetch(LINES_PER_CHUNK):
            yield ("\n".join([row[0] for row in rows]) + "\n").encode()


async def copy_chunks(connection: AsyncConnection, statement: Select) -> AsyncIterator[bytes]:
    """The rows of a statement as CSV, as COPY sends them: no row is ever decoded in Python."""
    sql, args = for_asyncpg(statement)
    chunks: asyncio.Queue[bytes | bytearray | None] = asyncio.Queue(maxsize=QUEUED_CHUNKS)
    raw = (await connection.get_raw_connection()).driver_connection

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
