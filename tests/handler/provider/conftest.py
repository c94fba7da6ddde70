"""Fixtures of the provider tests: a fake clock for retries, a project, a bucket, manifest lines."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from rekognition_datasets_handler.log import DecisionLog
from rekognition_datasets_handler.manifest import classification_entry
from rekognition_datasets_handler.retry import Budget
from rekognition_datasets_handler.runtime import Runtime

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_local.emulator import Emulator

    from .model_helpers import WaitHandle

BUCKET = "provider-test-data"
IMAGES = "provider-test-images"


@dataclass
class FakeClock:
    """Monotonic time that only moves when something sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def log_stream() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def runtime(emulator: Emulator, clock: FakeClock, log_stream: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """The handler's runtime: botocore makes one attempt per call, our budgeted loops sleep on a fake clock."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    return Runtime(
        log=DecisionLog(stream=log_stream, level="DEBUG"), budget=Budget(seconds=30, sleep=clock.sleep, clock=clock)
    )


def log_records(stream: io.StringIO) -> list[dict[str, Any]]:
    """The JSON lines written so far."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def project_arn(rekognition: RekognitionClient) -> str:
    arn = rekognition.create_project(ProjectName="flowers")["ProjectArn"]
    rekognition.describe_projects(ProjectNames=["flowers"])  # CREATING -> CREATED
    return arn


@pytest.fixture
def bucket(s3: S3Client) -> str:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return BUCKET


def line(name: str, label: str, bucket: str = IMAGES, **extra: Any) -> dict[str, Any]:
    """One image-level classification line."""
    entry: dict[str, Any] = classification_entry(f"s3://{bucket}/images/{name}.jpg", [label])
    entry.update(extra)
    return entry


def lines(counts: dict[str, int], bucket: str = IMAGES, prefix: str = "") -> list[dict[str, Any]]:
    """``count`` lines per label."""
    return [line(f"{prefix}{label}-{i}", label, bucket) for label, count in counts.items() for i in range(count)]


def growing_entries(put_object: Callable[..., dict[str, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(old, new) entries Sources: 4 lines, then the same object (a newer version) with 3 lines added."""
    first = lines({"rose": 4})
    old = {"Type": "entries", **put_object(first, key="e.jsonl")}
    return old, {"Type": "entries", **put_object(first + lines({"tulip": 3}), key="e.jsonl")}


@pytest.fixture
def put_object(s3: S3Client, bucket: str) -> Callable[..., dict[str, str]]:
    """Upload JSON lines (or raw bytes); returns Bucket/Key/Version as a Source wants them."""

    def put(content: Iterable[dict[str, Any]] | bytes, key: str = "train.manifest") -> dict[str, str]:
        body = content if isinstance(content, bytes) else "".join(json.dumps(x) + "\n" for x in content).encode()
        version = s3.put_object(Bucket=bucket, Key=key, Body=body)["VersionId"]
        return {"Bucket": bucket, "Key": key, "Version": version}

    return put


@pytest.fixture
def rekognition_client(emulator: Emulator) -> RekognitionClient:
    return boto3.client("rekognition")


@pytest.fixture
def handle() -> Iterator[WaitHandle]:
    """A local wait condition handle that records the signals PUT to it."""
    from .model_helpers import serve_wait_handle

    yield from serve_wait_handle()


@pytest.fixture
def events(emulator: Emulator) -> EventBridgeClient:
    return boto3.client("events")


@pytest.fixture
def model_runtime(runtime: Runtime) -> Runtime:
    """The runtime as Lambda gives it: it knows its own function ARN (the watch rules' target)."""
    from .model_helpers import FUNCTION_ARN

    return runtime._replace(function_arn=FUNCTION_ARN)


@pytest.fixture
def project(
    rekognition: RekognitionClient, s3: S3Client, bucket: str, put_object: Callable[..., dict[str, str]]
) -> str:
    """A project with TRAIN and TEST datasets to train from, and the bucket training writes its output to."""
    from .model_helpers import OUTPUT_BUCKET, trainable_project

    s3.create_bucket(Bucket=OUTPUT_BUCKET)
    return trainable_project(rekognition, put_object)
