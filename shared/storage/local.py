"""The embedded backend: objects are files in a local folder (one host, or a volume every replica mounts)."""

from __future__ import annotations

import asyncio
import io
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from shared.storage.base import MissingObject, StoredFile, StoredObject, check_key


class LocalStorage:
    """Objects as files under ``root``: the key is the path below it.

    Writers use the folder itself as their scratch, so that putting a finished file is a rename
    on the same file system: a reader never sees half a file, and nothing is copied.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def scratch_dir(self) -> Path:
        """The folder itself (see the class)."""
        return self.root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put_file(self, key: str, path: Path) -> int:
        """Move the file into place (copied first when it lies on another file system); its size."""
        return await asyncio.to_thread(self._put_file, self._path(key), path)

    def _put_file(self, target: Path, path: Path) -> int:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(path, target)
        except OSError:  # another file system (EXDEV): copy beside the target, then rename
            with path.open("rb") as source:
                self._write_whole(target, source)
        return target.stat().st_size

    async def put_bytes(self, key: str, data: bytes) -> None:
        """Write the bytes beside the target under a hidden name, then rename it into place."""
        target = self._path(key)

        def write() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._write_whole(target, io.BytesIO(data))

        await asyncio.to_thread(write)

    @staticmethod
    def _write_whole(target: Path, source: BinaryIO) -> None:
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        try:
            with temporary.open("wb") as out:
                while chunk := source.read(1024 * 1024):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)

    async def open(self, key: str) -> StoredFile:
        """Open the file; MissingObject when there is none."""
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, IsADirectoryError) as missing:
            raise MissingObject(key) from missing
        size = os.fstat(handle.fileno()).st_size

        async def read(count: int) -> bytes:
            return await asyncio.to_thread(handle.read, count)

        async def close() -> None:
            handle.close()

        return StoredFile(size=size, read=read, close=close)

    async def size(self, key: str) -> int | None:
        """The file's size, None when there is no file."""
        path = self._path(key)

        def size() -> int | None:
            return path.stat().st_size if path.is_file() else None

        return await asyncio.to_thread(size)

    async def exists(self, key: str) -> bool:
        """Whether the file exists."""
        return await self.size(key) is not None

    async def delete(self, key: str) -> None:
        """Remove the file, if any."""
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def list(self, prefix: str = "") -> list[StoredObject]:
        """The files of one folder whose key starts with ``prefix`` (hidden work files left out)."""
        folder, _, start = prefix.rpartition("/")

        def scan() -> list[StoredObject]:
            directory = self.root / folder if folder else self.root
            found = []
            try:
                entries = list(os.scandir(directory))
            except FileNotFoundError:
                return []
            for entry in entries:
                if entry.name.startswith(".") or not entry.name.startswith(start) or not entry.is_file():
                    continue
                stat = entry.stat()
                key = f"{folder}/{entry.name}" if folder else entry.name
                found.append(StoredObject(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
            return found

        return await asyncio.to_thread(scan)
