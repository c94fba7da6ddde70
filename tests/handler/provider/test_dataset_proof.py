"""Prove before you destroy: a rebuild proves its new source buildable before it deletes anything."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from .cfn import event, exists, run
from .conftest import BUCKET, lines

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


def props(project_arn: str, source: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"ProjectArn": project_arn, "DatasetType": "TRAIN", "Source": source, **extra}


def destructive(emulator: Emulator) -> list[str]:
    return [e.operation for e in emulator.request_log.entries() if e.operation in ("DeleteDataset", "CreateDataset")]


def total_entries(rekognition: RekognitionClient, arn: str) -> int:
    return int(rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["DatasetStats"]["TotalEntries"])


@pytest.fixture
def built(project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]]) -> tuple[dict[str, Any], str]:
    """A TRAIN dataset built from a 5-line manifest ``good.manifest``: (its properties, its ARN)."""
    good = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3, "tulip": 2}), key="good.manifest")})
    created = run(event("Create", good), runtime)
    assert created.status == "SUCCESS", created.reason
    return good, str(created.physical_id)


def _jsonl(*groups: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(x) + "\n" for group in groups for x in group).encode()


MISSING = {"Type": "manifest", "Bucket": BUCKET, "Key": "goood.manifest"}
UNKNOWN_VERSION = {"Type": "manifest", "Bucket": BUCKET, "Key": "good.manifest", "Version": "nope"}
MISSING_ENTRIES = {"Type": "entries", "Bucket": BUCKET, "Key": "missing.jsonl"}
TWO_BUCKETS = _jsonl(lines({"rose": 3}), lines({"tulip": 3}, bucket="elsewhere"))
MOSTLY_INVALID = b"not json\n" * 3 + _jsonl(lines({"rose": 3}))


@pytest.mark.parametrize(
    ("source", "named"),
    [
        (MISSING, [f"s3://{BUCKET}/goood.manifest", "not readable"]),
        (UNKNOWN_VERSION, [f"s3://{BUCKET}/good.manifest (version nope)", "not readable"]),
        (MISSING_ENTRIES, [f"s3://{BUCKET}/missing.jsonl", "not readable"]),
        (b"", [f"s3://{BUCKET}/bad.manifest", "ERROR_EMPTY_MANIFEST"]),
        (TWO_BUCKETS, [f"s3://{BUCKET}/bad.manifest", "ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS"]),
        (MOSTLY_INVALID, [f"s3://{BUCKET}/bad.manifest", "ERROR_TOO_MANY_RECORDS_IN_ERROR"]),
    ],
    ids=["key-typo", "unknown-version", "missing-entries", "empty", "two-buckets", "too-many-invalid"],
)
def test_a_source_that_cannot_be_built_fails_the_update_with_the_dataset_untouched(
    source: dict[str, str] | bytes,
    named: list[str],
    built: tuple[dict[str, Any], str],
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    put_object: Callable[..., dict[str, str]],
    rekognition_client: RekognitionClient,
) -> None:
    good, arn = built
    if isinstance(source, bytes):  # a manifest that is readable but would fail its import
        source = {"Type": "manifest", **put_object(source, key="bad.manifest")}
    emulator.request_log.clear()
    failed = run(event("Update", props(project_arn, source), old=good, physical_id=arn), runtime)
    assert failed.status == "FAILED" and "left unchanged" in failed.reason
    assert all(text in failed.reason for text in named), failed.reason
    assert destructive(emulator) == [] and total_entries(rekognition_client, arn) == 5


def test_rollback_after_a_refused_rebuild_is_a_no_op_even_when_the_old_manifest_is_gone(
    built: tuple[dict[str, Any], str],
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    s3: S3Client,
    rekognition_client: RekognitionClient,
) -> None:
    # GIVEN an update to a mistyped key failed, and the old manifest has been removed meanwhile
    good, arn = built
    typo = props(project_arn, {"Type": "manifest", "Bucket": BUCKET, "Key": "goood.manifest"})
    assert run(event("Update", typo, old=good, physical_id=arn), runtime).status == "FAILED"
    for version in s3.list_object_versions(Bucket=BUCKET, Prefix="good.manifest")["Versions"]:
        s3.delete_object(Bucket=BUCKET, Key="good.manifest", VersionId=version["VersionId"])
    emulator.request_log.clear()
    # WHEN CloudFormation rolls back (an Update with the old properties as the new)
    rolled = run(event("Update", good, old=typo, physical_id=arn), runtime)
    # THEN the untouched dataset is recognised by its fingerprint: nothing to rebuild, entries kept
    assert rolled.status == "SUCCESS", rolled.reason
    assert rolled.physical_id == arn and rolled.data["TotalEntries"] == "5"
    assert destructive(emulator) == []


def test_rollback_with_the_old_manifest_still_there_does_not_rebuild_either(
    built: tuple[dict[str, Any], str], project_arn: str, runtime: Runtime, emulator: Emulator
) -> None:
    good, arn = built
    typo = props(project_arn, {"Type": "manifest", "Bucket": BUCKET, "Key": "goood.manifest"})
    run(event("Update", typo, old=good, physical_id=arn), runtime)
    emulator.request_log.clear()
    rolled = run(event("Update", good, old=typo, physical_id=arn), runtime)
    assert rolled.status == "SUCCESS" and rolled.physical_id == arn
    assert destructive(emulator) == []


def test_a_copy_of_a_missing_or_incomplete_dataset_fails_with_the_dataset_untouched(
    built: tuple[dict[str, Any], str],
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    good, arn = built
    other = rekognition_client.create_project(ProjectName="source-project")["ProjectArn"]
    missing = f"{other.rpartition('/')[0]}/dataset/train/1600000000000"
    failed = run(
        event("Update", props(project_arn, {"Type": "dataset", "DatasetArn": missing}), old=good, physical_id=arn),
        runtime,
    )
    assert failed.status == "FAILED" and f"{missing} does not exist" in failed.reason
    emulator.faults.fail_next(other, "Injected: broken source.")
    broken = rekognition_client.create_dataset(ProjectArn=other, DatasetType="TRAIN")["DatasetArn"]
    emulator.advance_time(60)
    emulator.request_log.clear()
    failed = run(
        event("Update", props(project_arn, {"Type": "dataset", "DatasetArn": broken}), old=good, physical_id=arn),
        runtime,
    )
    assert failed.status == "FAILED" and f"{broken} is CREATE_FAILED" in failed.reason
    assert destructive(emulator) == [] and exists(rekognition_client, arn)
    assert total_entries(rekognition_client, arn) == 5


def test_a_copy_of_a_complete_dataset_rebuilds(
    built: tuple[dict[str, Any], str],
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    rekognition_client: RekognitionClient,
) -> None:
    good, arn = built
    other = rekognition_client.create_project(ProjectName="source-project")["ProjectArn"]
    source = props(other, {"Type": "manifest", **put_object(lines({"daisy": 2, "iris": 2}), key="s.manifest")})
    copied = str(run(event("Create", source, logical_id="Source"), runtime).physical_id)
    updated = run(
        event("Update", props(project_arn, {"Type": "dataset", "DatasetArn": copied}), old=good, physical_id=arn),
        runtime,
    )
    assert updated.status == "SUCCESS", updated.reason
    assert updated.physical_id != arn and updated.data["TotalEntries"] == "4"
