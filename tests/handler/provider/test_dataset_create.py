"""Creating datasets through on_event/is_complete against the emulator, for every source type."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.schema import (
    DATASET_ATTRIBUTES,
    MAX_GROUND_TRUTH_BYTES,
    TAG_ENTRIES_PROGRESS,
    TAG_FINGERPRINT,
    TAG_LOGICAL_ID,
    TAG_STACK_ID,
)

from .cfn import STACK_ID, event, run
from .conftest import IMAGES, line, lines, log_records

if TYPE_CHECKING:
    from collections.abc import Callable
    from io import StringIO

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


def dataset_props(project_arn: str, source: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"ProjectArn": project_arn, "DatasetType": "TRAIN", **extra}
    if source is not None:
        props["Source"] = source
    return props


def test_create_empty_dataset_tags_it_and_reports_string_attributes(
    project_arn: str, runtime: Runtime, rekognition_client: RekognitionClient, log_stream: StringIO
) -> None:
    # GIVEN an empty TRAIN dataset with user tags
    request = event("Create", dataset_props(project_arn, {"Type": "empty"}, Tags={"team": "vision"}))
    # WHEN the framework drives it
    response = run(request, runtime)
    # THEN it succeeds with the dataset ARN as physical id and every attribute as a string
    assert response.status == "SUCCESS", response.reason
    arn = response.physical_id
    assert arn is not None and "/dataset/train/" in arn
    assert set(response.data) == set(DATASET_ATTRIBUTES)
    assert all(isinstance(v, str) for v in response.data.values())
    assert response.data["TotalEntries"] == "0"
    tags = rekognition_client.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert tags[TAG_STACK_ID] == STACK_ID and tags[TAG_LOGICAL_ID] == "TrainingData" and tags["team"] == "vision"
    assert tags[TAG_FINGERPRINT] == response.data["SourceFingerprint"]
    # AND the decision log is JSON with the request identity and never the ResponseURL
    records = log_records(log_stream)
    assert any(r.get("step") == "create" and r.get("dataset_arn") == arn for r in records)
    assert all(r["request_id"] == request["RequestId"] for r in records)
    assert "X-Amz-Signature" not in log_stream.getvalue()


def test_create_from_manifest_passes_the_object_version(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]], emulator: Emulator
) -> None:
    source = {"Type": "manifest", **put_object(lines({"rose": 4, "tulip": 3}))}
    response = run(event("Create", dataset_props(project_arn, source)), runtime)
    assert response.status == "SUCCESS", response.reason
    assert response.data["TotalEntries"] == "7" and response.data["TotalLabels"] == "2"
    (create,) = emulator.request_log.entries("CreateDataset")
    s3_object = create.params["DatasetSource"]["GroundTruthManifest"]["S3Object"]
    assert s3_object == {"Bucket": source["Bucket"], "Name": source["Key"], "Version": source["Version"]}


def test_create_copy_of_another_dataset(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]], rekognition_client: RekognitionClient
) -> None:
    source = {"Type": "manifest", **put_object(lines({"rose": 5}))}
    original = run(event("Create", dataset_props(project_arn, source)), runtime)
    other = rekognition_client.create_project(ProjectName="copies")["ProjectArn"]
    copy = run(
        event(
            "Create", dataset_props(other, {"Type": "dataset", "DatasetArn": original.physical_id}), logical_id="Copy"
        ),
        runtime,
    )
    assert copy.status == "SUCCESS", copy.reason
    assert copy.data["TotalEntries"] == "5" and copy.physical_id != original.physical_id


def test_entries_over_5_mib_are_applied_in_ordered_chunks_below_the_limit(
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    # GIVEN ~6.5 MiB of entries whose source-refs use the image-bucket placeholder
    padding = "p" * 900
    content = [
        line(f"{padding}-{i}", "rose" if i % 2 else "tulip", "rekognition-datasets-image-bucket") for i in range(5200)
    ]
    source = {"Type": "entries", "ImageBucket": IMAGES, **put_object(content, key="entries.jsonl")}
    size = len("".join(json.dumps(x) + "\n" for x in content))
    assert size > MAX_GROUND_TRUTH_BYTES
    # WHEN created
    response = run(event("Create", dataset_props(project_arn, source)), runtime)
    # THEN every entry landed, in chunks each below 5 MiB, sent one after the other
    assert response.status == "SUCCESS", response.reason
    assert response.data["TotalEntries"] == "5200"
    updates = emulator.request_log.entries("UpdateDatasetEntries")
    assert len(updates) == 2
    assert all(0 < u.params["Changes"]["GroundTruth"]["size"] < MAX_GROUND_TRUTH_BYTES for u in updates)
    describes_between = [
        e.operation
        for e in emulator.request_log.entries()
        if updates[0].timestamp <= e.timestamp <= updates[1].timestamp
    ]
    assert "DescribeDataset" in describes_between
    # AND the placeholder was rewritten to the real image bucket
    sample = rekognition_client.list_dataset_entries(DatasetArn=str(response.physical_id), MaxResults=1)
    assert json.loads(sample["DatasetEntries"][0])["source-ref"].startswith(f"s3://{IMAGES}/images/")
    tags = rekognition_client.list_tags_for_resource(ResourceArn=str(response.physical_id))["Tags"]
    assert tags[TAG_ENTRIES_PROGRESS] == f"{response.data['SourceFingerprint']}:done"


def test_redelivered_create_adopts_the_same_dataset(project_arn: str, runtime: Runtime, emulator: Emulator) -> None:
    request = event("Create", dataset_props(project_arn, {"Type": "empty"}))
    first = run(request, runtime)
    second = run(request, runtime)
    assert first.status == second.status == "SUCCESS"
    assert first.physical_id == second.physical_id
    # the second delivery's CreateDataset is refused (the slot holds ours), and it adopts the first one's
    assert [e.outcome for e in emulator.request_log.entries("CreateDataset")] == [
        "OK",
        "ResourceAlreadyExistsException",
    ]


def test_handler_dying_after_create_dataset_then_redelivery_adopts(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    # GIVEN a Lambda that died right after CreateDataset (simulated: the dataset exists, tagged by that attempt)
    request = event("Create", dataset_props(project_arn, {"Type": "empty"}))
    from rekognition_datasets_handler.provider import on_event

    on_event(request, None, runtime)
    # WHEN Lambda re-delivers the same event to a fresh invocation
    response = run(request, runtime)
    # THEN it adopts the one dataset
    assert response.status == "SUCCESS", response.reason
    assert emulator.request_log.count("CreateDataset", "OK") == 1
    projects = rekognition_client.describe_projects(ProjectNames=["flowers"])["ProjectDescriptions"]
    assert [d["DatasetArn"] for d in projects[0]["Datasets"]] == [response.physical_id]


def test_slot_held_by_another_stack_fails_naming_its_arn(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    theirs = rekognition_client.create_dataset(ProjectArn=project_arn, DatasetType="TRAIN")["DatasetArn"]
    response = run(event("Create", dataset_props(project_arn, {"Type": "empty"})), runtime)
    assert response.status == "FAILED"
    assert theirs in response.reason
    assert response.physical_id == "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
    rekognition_client.describe_dataset(DatasetArn=theirs)  # untouched
    assert emulator.request_log.count("DeleteDataset") == 0


def test_missing_project_fails_clearly(runtime: Runtime, emulator: Emulator) -> None:
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/nothing-here/1700000000000"
    response = run(event("Create", dataset_props(arn)), runtime)
    assert response.status == "FAILED"
    assert f"Project {arn} does not exist." in response.reason
