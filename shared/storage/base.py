"""The storage interface: objects named by keys, put whole, read as a stream, listed, deleted."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

# A key is one or more names joined by "/"; a name never starts with a dot, so no key climbs out of
# a folder ("..") and the local backend's hidden work files (".name") are never a key.
_NAME = r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}"
_KEY = re.compile(rf"{_NAME}(/{_NAME})*")
CHUNK_BYTES = 1024 * 1024


class MissingObject(LookupError):
    """No object is stored under the key (never stored, or deleted since)."""


def check_key(key: str) -> str:
    """The key itself when it is one: names of letters, digits, '.', '_' or '-', joined by '/'."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object as a listing shows it."""

    key: str
    size: int
    modified: datetime


class StoredFile:
    """An object opened for reading: its size now, its bytes as chunks (the stream is closed after the last)."""

    def __init__(
        self, *, size: int, read: Callable[[int], Awaitable[bytes]], close: Callable[[], Awaitable[None]]
    ) -> None:
        self.size = size
        self._read = read
        self._close = close

    async def chunks(self, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        """The object's bytes, a chunk at a time; the stream is closed when they end or the reader stops."""
        try:
            while chunk := await self._read(chunk_bytes):
                yield chunk
        finally:
            await self._close()

    async def read_all(self) -> bytes:
        """The whole object (for small ones: images)."""
        return b"".join([chunk async for chunk in self.chunks()])


class Storage(Protocol):
    """Where one kind of file is kept (exports, PDFs, images...), whichever backend keeps it.

    Every method is a coroutine; the backends run their blocking I/O in threads.
    """

    @property
    def scratch_dir(self) -> Path:
        """A local folder for files being written before they are put (for the local backend, in its
        own folder, so that putting one is a rename)."""
        ...

    async def put_file(self, key: str, path: Path) -> int:
        """Store a finished local file under ``key`` (replacing any object there); its size.

        The file may be moved rather than copied: it is the caller's scratch. Readers see the
        object whole or not at all.
        """
        ...

    async def put_bytes(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (replacing any object there), whole or not at all."""
        ...

    async def open(self, key: str) -> StoredFile:
        """Open an object for reading; MissingObject when there is none."""
        ...

    async def size(self, key: str) -> int | None:
        """An object's size in bytes, None when there is none."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    async def delete(self, key: str) -> None:
        """Delete an object; deleting a missing one is no error."""
        ...

    async def list(self, prefix: str = "") -> list[StoredObject]:
        """The objects whose key starts with ``prefix`` and has no '/' after it (one folder, not below)."""
        ...
