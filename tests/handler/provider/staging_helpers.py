"""Helpers of the staging tests: a clock that ticks on every read, tiny images, zips, staged sources."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.log import DecisionLog
from rekognition_datasets_handler.retry import Budget
from rekognition_datasets_handler.runtime import Runtime, StagingLimits

if TYPE_CHECKING:
    from collections.abc import Iterable

    from mypy_boto3_s3 import S3Client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
IMAGES = "staging-test-images"
STAGING = "staging-test-assets"


@dataclass
class TickingClock:
    """Time that moves one second each time it is read: a step's ``seconds`` limit is a count of reads."""

    now: float = 0.0

    def __call__(self) -> float:
        self.now += 1
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def ticking_runtime(stream: io.StringIO, **limits: Any) -> Runtime:
    """A runtime whose staging steps each take ``seconds`` pages or batches (default: 2 pages of 3 keys)."""
    clock = TickingClock()
    staging = StagingLimits(**{"seconds": 2.0, "page_keys": 3, "members": 4, **limits})
    return Runtime(
        log=DecisionLog(stream=stream, level="DEBUG"),
        budget=Budget(seconds=30, sleep=clock.sleep, clock=clock),
        staging=staging,
    )


def put_images(s3: S3Client, keys: Iterable[str], bucket: str = IMAGES) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=PNG)


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def prefix_source(prefix: str = "photos/") -> dict[str, str]:
    return {"Type": "prefix", "Bucket": IMAGES, "Prefix": prefix, "StagingBucket": STAGING, "StagingPrefix": "staged/"}


def folder_source(key: str = "asset.zip") -> dict[str, str]:
    return {"Type": "folder", "Bucket": STAGING, "Key": key, "StagingBucket": STAGING, "StagingPrefix": "staged/"}


def manifest_lines(s3: S3Client, bucket: str, key: str) -> list[str]:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
