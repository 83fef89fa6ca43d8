"""An S3 endpoint for the tests: moto's server on a free port of this machine, reached over HTTP by boto3.

No real bucket is touched: ThreadedMotoServer answers the S3 API (in memory, in a thread of the test
process), so the code under test builds its boto3 client, signs requests and streams bodies exactly
as it would against AWS or MinIO. Worker processes started by a test reach it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.server import ThreadedMotoServer

from shared.storage import StorageSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "ci/"


@dataclass(frozen=True)
class S3Endpoint:
    """The running endpoint, the settings that point the services at it, and a client to look inside."""

    url: str
    bucket: str
    settings: StorageSettings
    client: S3Client

    def keys(self, area: str) -> list[str]:
        """The keys under an area of the bucket, as the services name them (prefix and area left out)."""
        start = f"{PREFIX}{area}/"
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start)
        return sorted(item["Key"][len(start) :] for page in pages for item in page.get("Contents", []))

    def read(self, area: str, key: str) -> bytes:
        """An object's bytes, read straight from the bucket."""
        answer = self.client.get_object(Bucket=self.bucket, Key=f"{PREFIX}{area}/{key}")
        return bytes(answer["Body"].read())

    def environment(self) -> dict[str, str]:
        """The same settings as NEGOCE_STORAGE_* variables, for a worker process."""
        return {
            "NEGOCE_STORAGE_BACKEND": "s3",
            "NEGOCE_STORAGE_S3_BUCKET": self.bucket,
            "NEGOCE_STORAGE_S3_ENDPOINT_URL": self.url,
            "NEGOCE_STORAGE_S3_REGION": "eu-west-3",
            "NEGOCE_STORAGE_S3_PREFIX": PREFIX,
            "NEGOCE_STORAGE_S3_ACCESS_KEY_ID": "test-key-id",
            "NEGOCE_STORAGE_S3_SECRET_ACCESS_KEY": "test-secret",
        }


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Endpoint]:
    """moto's S3 server on a free loopback port, with an empty bucket of its own.

    moto keeps its buckets in the process, whichever server answers: each module's is named anew.
    """
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    bucket = f"negoce-test-{uuid.uuid4().hex[:12]}"
    try:
        client = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="eu-west-3",
            aws_access_key_id="test-key-id",
            aws_secret_access_key="test-secret",
        )
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        settings = StorageSettings(
            backend="s3",
            s3_bucket=bucket,
            s3_endpoint_url=url,
            s3_region="eu-west-3",
            s3_prefix=PREFIX,
            s3_access_key_id="test-key-id",
            s3_secret_access_key="test-secret",
        )
        yield S3Endpoint(url=url, bucket=bucket, settings=settings, client=client)
    finally:
        server.stop()
