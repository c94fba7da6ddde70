"""Fixtures of the emulator tests: clients without retries, a manifest bucket, a project, one ready to train."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config

from .manifests import BUCKET, classification, detection, image, jsonl, labelled

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_local.emulator import Emulator


@pytest.fixture
def client(emulator: Emulator) -> RekognitionClient:
    """A Rekognition client that never retries, so each injected fault surfaces once (and no test sleeps)."""
    return boto3.client("rekognition", config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


@pytest.fixture
def bucket(s3: S3Client) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def put_manifest(s3: S3Client, bucket: str) -> Callable[..., dict[str, str]]:
    """Upload JSON lines; returns the ``S3Object`` (with ``Version`` when the bucket is versioned)."""

    def put(lines: Iterable[Any], key: str = "manifests/train.manifest") -> dict[str, str]:
        answer = s3.put_object(Bucket=bucket, Key=key, Body=jsonl(lines).encode())
        s3_object = {"Bucket": bucket, "Name": key}
        if answer.get("VersionId") not in (None, "null"):
            s3_object["Version"] = answer["VersionId"]
        return s3_object

    return put


@pytest.fixture
def project(client: RekognitionClient) -> str:
    return client.create_project(ProjectName="my-project")["ProjectArn"]


#: Where the model tests' trainings write their results.
OUTPUT_BUCKET = "model-output"


@pytest.fixture
def output(s3: S3Client) -> dict[str, str]:
    """An OutputConfig whose bucket exists."""
    s3.create_bucket(Bucket=OUTPUT_BUCKET)
    return {"S3Bucket": OUTPUT_BUCKET, "S3KeyPrefix": "models/"}


@pytest.fixture
def trainable(client: RekognitionClient, project: str, put_manifest: Callable[..., dict[str, str]]) -> str:
    """The project, with complete TRAIN (cat, dog, boxed car) and TEST datasets (complete on the next request)."""
    train = [
        *labelled({"cat": 4, "dog": 4}),
        *(detection(image(f"car-{i}"), [("car", 1, 2, 30, 40)]) for i in range(2)),
    ]
    test = [
        classification(image("test-cat"), "cat"),
        classification(image("test-dog"), "dog"),
        detection(image("test-car"), [("car", 5, 6, 70, 80)]),
    ]
    for kind, lines in (("TRAIN", train), ("TEST", test)):
        manifest = put_manifest(lines, key=f"manifests/{kind.lower()}.manifest")
        client.create_dataset(
            ProjectArn=project, DatasetType=kind, DatasetSource={"GroundTruthManifest": {"S3Object": manifest}}
        )
    return project


def error_of(raised: pytest.ExceptionInfo[Any]) -> dict[str, str]:
    """``{"Code", "Message"}`` of a botocore ClientError."""
    error: dict[str, str] = raised.value.response["Error"]
    return error
