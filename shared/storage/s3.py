"""The production backend: objects in an S3-compatible bucket (AWS S3, MinIO, Ceph...), through boto3.

boto3 is synchronous; each call runs in a thread so the event loop keeps renewing leases and serving
requests. Its client is thread-safe and keeps a connection pool, so one is shared per configuration.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shared.storage.base import MissingObject, StoredFile, StoredObject, check_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# What S3 and the compatible servers answer for a key that holds nothing.
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


class S3Storage:
    """Objects under ``prefix`` in ``bucket``; the key is the part of the object's name after the prefix."""

    def __init__(self, client: S3Client, *, bucket: str, prefix: str, scratch_name: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        # Files are written on local disk before their upload: the system's temporary folder
        # (TMPDIR), one folder per kind of file so that a worker's sweep sees only its own.
        self._scratch = Path(tempfile.gettempdir()) / scratch_name

    @property
    def scratch_dir(self) -> Path:
        """A folder of the system's temporary folder (TMPDIR)."""
        return self._scratch

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put_file(self, key: str, path: Path) -> int:
        """Upload the file (multipart when large: boto3's transfer manager); its size.

        S3 makes an object visible only once its upload completes, so no reader sees part of it.
        """
        name = self._name(key)
        await asyncio.to_thread(self.client.upload_file, str(path), self.bucket, name)
        return path.stat().st_size  # noqa: ASYNC240 (one stat of a local file just uploaded)

    async def put_bytes(self, key: str, data: bytes) -> None:
        """Upload the bytes in one request."""
        name = self._name(key)
        await asyncio.to_thread(self.client.put_object, Bucket=self.bucket, Key=name, Body=data)

    async def open(self, key: str) -> StoredFile:
        """GET the object; its body is read as it is streamed; MissingObject when there is none."""
        name = self._name(key)
        try:
            answer: Any = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=name)
        except ClientError as error:
            if _missing(error):
                raise MissingObject(key) from error
            raise
        body = answer["Body"]

        async def read(count: int) -> bytes:
            chunk: bytes = await asyncio.to_thread(body.read, count)
            return chunk

        async def close() -> None:
            body.close()

        return StoredFile(size=int(answer["ContentLength"]), read=read, close=close)

    async def size(self, key: str) -> int | None:
        """HEAD the object: its size, None when there is none."""
        name = self._name(key)
        try:
            answer = await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=name)
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return int(answer["ContentLength"])

    async def exists(self, key: str) -> bool:
        """Whether the object exists (a HEAD)."""
        return await self.size(key) is not None

    async def delete(self, key: str) -> None:
        """DELETE the object (S3 answers the same whether it existed or not)."""
        name = self._name(key)
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=name)

    async def list(self, prefix: str = "") -> list[StoredObject]:
        """List one "folder" (delimiter '/'), every page of it."""
        start = self.prefix + prefix

        def scan() -> list[StoredObject]:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=start, Delimiter="/"
            )
            return [
                StoredObject(item["Key"][len(self.prefix) :], int(item["Size"]), item["LastModified"])
                for page in pages
                for item in page.get("Contents", [])
            ]

        return await asyncio.to_thread(scan)
