"""Which backend keeps the files, read from NEGOCE_STORAGE_* by every service alike."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.secret_files import SettingsWithSecretFiles
from shared.storage.base import Storage, check_key
from shared.storage.local import LocalStorage

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class StorageSettings(SettingsWithSecretFiles):
    """``local`` (the default: each service's folder settings) or ``s3`` (a bucket every replica reads)."""

    model_config = SettingsConfigDict(env_prefix="NEGOCE_STORAGE_", extra="ignore")

    backend: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    # For MinIO and the other S3-compatible servers; empty for AWS itself.
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    # Put before every key, e.g. "negoce/production/": several deployments can share a bucket.
    s3_prefix: str = ""
    # Optional: without them boto3 finds credentials its usual way (AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY, a web identity or an instance role). These names, unlike AWS's,
    # can come from a file (NEGOCE_STORAGE_S3_SECRET_ACCESS_KEY_FILE), as secrets do here.
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None

    @model_validator(mode="after")
    def _complete(self) -> StorageSettings:
        if self.backend == "s3" and not self.s3_bucket:
            raise ValueError("NEGOCE_STORAGE_S3_BUCKET is required when NEGOCE_STORAGE_BACKEND is s3")
        if (self.s3_access_key_id is None) != (self.s3_secret_access_key is None):
            raise ValueError(
                "NEGOCE_STORAGE_S3_ACCESS_KEY_ID and NEGOCE_STORAGE_S3_SECRET_ACCESS_KEY go together: give both or neither"
            )
        if self.s3_prefix:
            check_key(self.s3_prefix.rstrip("/"))
        return self


def open_storage(settings: StorageSettings, *, area: str, local_dir: Path) -> Storage:
    """The storage of one kind of file: ``local_dir`` for the local backend, ``{prefix}{area}/`` in the bucket.

    Cheap to call: S3 clients are shared per configuration.
    """
    check_key(area)
    if settings.backend == "local":
        return LocalStorage(local_dir)
    # Imported here: boto3 costs a process that keeps its files locally a fifth of a second and memory.
    from shared.storage.s3 import S3Storage

    secret = settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
    client = _s3_client(settings.s3_endpoint_url, settings.s3_region, settings.s3_access_key_id, secret)
    prefix = f"{settings.s3_prefix.strip('/')}/" if settings.s3_prefix.strip("/") else ""
    return S3Storage(
        client, bucket=settings.s3_bucket, prefix=f"{prefix}{area}/", scratch_name=f"negoce-{area.replace('/', '-')}"
    )


@functools.lru_cache(maxsize=8)
def _s3_client(endpoint_url: str | None, region: str | None, key_id: str | None, secret: str | None) -> S3Client:
    import boto3
    from botocore.config import Config

    # Built on first use, never at import: creating a client opens no connection either.
    options: dict[str, object] = {"retries": {"mode": "standard", "max_attempts": 5}, "connect_timeout": 10}
    if endpoint_url:
        # S3-compatible servers are reached by path (http://minio:9000/bucket/key): a bucket-named
        # host would need DNS they seldom have; and they may not know the checksums AWS added in 2025.
        options |= {
            "s3": {"addressing_style": "path"},
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
        }
    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(**options),
    )
