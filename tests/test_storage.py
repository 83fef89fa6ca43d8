"""The storage interface, the same checks for both backends: a local folder, and S3 over HTTP (moto's server)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.storage import MissingObject, Storage, StorageSettings, check_key, open_storage
from tests.storage_support import S3Endpoint, s3  # noqa: F401 (fixture)


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """One area of each backend, empty."""
    if request.param == "local":
        yield open_storage(StorageSettings(), area="tests/contract", local_dir=tmp_path / "files")
        return
    endpoint: S3Endpoint = request.getfixturevalue("s3")
    area = f"tests/contract-{request.node.name.split('[')[0][-40:]}"
    yield open_storage(endpoint.settings, area=area, local_dir=tmp_path / "unused")
    # The bucket lives as long as the module: leave it as found.
    for stored in await open_storage(endpoint.settings, area=area, local_dir=tmp_path).list():
        await open_storage(endpoint.settings, area=area, local_dir=tmp_path).delete(stored.key)


async def test_an_object_is_put_read_sized_listed_and_deleted(storage: Storage, tmp_path: Path):
    data = os.urandom(3 * 1024 * 1024 + 17)  # more than one chunk of a download
    await storage.put_bytes("a.1.bin", data)
    assert await storage.exists("a.1.bin") and await storage.size("a.1.bin") == len(data)
    opened = await storage.open("a.1.bin")
    assert opened.size == len(data)
    chunks = [chunk async for chunk in opened.chunks()]
    assert len(chunks) > 1 and b"".join(chunks) == data

    await storage.put_bytes("a.1.bin", b"replaced")
    assert await (await storage.open("a.1.bin")).read_all() == b"replaced"

    await storage.put_bytes("below/b.txt", b"in a folder")
    [listed] = await storage.list("a.")
    assert (listed.key, listed.size) == ("a.1.bin", 8)
    assert abs(listed.modified - datetime.now(UTC)) < timedelta(minutes=5)
    assert [s.key for s in await storage.list()] == ["a.1.bin"]  # one folder, not below
    assert [s.key for s in await storage.list("below/")] == ["below/b.txt"]

    await storage.delete("a.1.bin")
    await storage.delete("a.1.bin")  # deleting what is gone is no error
    assert not await storage.exists("a.1.bin") and await storage.size("a.1.bin") is None
    with pytest.raises(MissingObject):
        await storage.open("a.1.bin")
    assert await storage.list("a.") == []


async def test_a_finished_file_is_put_whole_and_its_size_returned(storage: Storage, tmp_path: Path):
    storage.scratch_dir.mkdir(parents=True, exist_ok=True)
    part = storage.scratch_dir / "9.1.part"
    part.write_bytes(b"x" * 10_000)
    assert await storage.put_file("9.1.xlsx", part) == 10_000
    assert await (await storage.open("9.1.xlsx")).read_all() == b"x" * 10_000
    # Scratch files are never offered as objects under another name.
    assert [s.key for s in await storage.list("9.")] == ["9.1.xlsx"]


@pytest.mark.parametrize("key", ["", "../etc/passwd", ".hidden", "a//b", "/abs", "a/../b", "é.pdf", "a b"])
def test_keys_are_names_never_paths(key: str):
    with pytest.raises(ValueError):
        check_key(key)


def test_s3_settings_are_checked_and_secrets_can_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ValidationError, match="NEGOCE_STORAGE_S3_BUCKET"):
        StorageSettings(backend="s3")
    with pytest.raises(ValidationError, match="go together"):
        StorageSettings(backend="s3", s3_bucket="b", s3_access_key_id="id")
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("NEGOCE_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("NEGOCE_STORAGE_S3_BUCKET", "files")
    monkeypatch.setenv("NEGOCE_STORAGE_S3_ACCESS_KEY_ID", "id")
    monkeypatch.setenv("NEGOCE_STORAGE_S3_SECRET_ACCESS_KEY_FILE", str(secret))
    settings = StorageSettings()
    assert settings.s3_secret_access_key is not None
    assert settings.s3_secret_access_key.get_secret_value() == "from-a-file"
