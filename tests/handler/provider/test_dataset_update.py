"""Updates: tags only, rebuilds, entries upserts, replacements, TEST resets and rollbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.schema import TAG_FINGERPRINT

from .cfn import event, exists, run
from .conftest import growing_entries, lines
from .inherited_helpers import IMPORT_SECONDS, first_delivery_left_an_import_running

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


def props(project_arn: str, source: dict[str, Any], dataset_type: str = "TRAIN", **extra: Any) -> dict[str, Any]:
    return {"ProjectArn": project_arn, "DatasetType": dataset_type, "Source": source, **extra}


def operations(emulator: Emulator, *names: str) -> list[str]:
    return [e.operation for e in emulator.request_log.entries() if e.operation in names]


def test_tags_only_update_retags_without_rebuilding(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    old = props(project_arn, {"Type": "empty"}, Tags={"team": "vision", "cost": "a"})
    created = run(event("Create", old), runtime)
    emulator.request_log.clear()
    new = props(project_arn, {"Type": "empty"}, Tags={"team": "ml", "owner": "me"})
    updated = run(event("Update", new, old=old, physical_id=created.physical_id), runtime)
    assert updated.status == "SUCCESS", updated.reason
    assert updated.physical_id == created.physical_id
    tags = rekognition_client.list_tags_for_resource(ResourceArn=str(created.physical_id))["Tags"]
    assert tags["team"] == "ml" and tags["owner"] == "me" and "cost" not in tags
    assert operations(emulator, "CreateDataset", "DeleteDataset") == []
    assert emulator.request_log.count("TagResource") == 1 and emulator.request_log.count("UntagResource") == 1


def test_manifest_change_rebuilds_and_reports_the_new_arn(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    put_object: Callable[..., dict[str, str]],
    rekognition_client: RekognitionClient,
) -> None:
    old = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3}))})
    created = run(event("Create", old), runtime)
    new = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3, "tulip": 2}))})
    emulator.request_log.clear()
    updated = run(event("Update", new, old=old, physical_id=created.physical_id), runtime)
    assert updated.status == "SUCCESS", updated.reason
    assert updated.physical_id != created.physical_id
    assert updated.data["TotalEntries"] == "5"
    assert operations(emulator, "CreateDataset", "DeleteDataset") == ["DeleteDataset", "CreateDataset"]
    assert not exists(rekognition_client, str(created.physical_id))
    # CloudFormation's cleanup Delete of the old physical id finds nothing and touches nothing
    cleanup = run(event("Delete", old, physical_id=created.physical_id), runtime)
    assert cleanup.status == "SUCCESS" and exists(rekognition_client, str(updated.physical_id))


def test_entries_that_only_add_are_upserted_in_place(
    project_arn: str, runtime: Runtime, emulator: Emulator, put_object: Callable[..., dict[str, str]]
) -> None:
    old_source, new_source = growing_entries(put_object)
    old, new = props(project_arn, old_source), props(project_arn, new_source)
    created = run(event("Create", old), runtime)
    emulator.request_log.clear()
    updated = run(event("Update", new, old=old, physical_id=created.physical_id), runtime)
    assert updated.status == "SUCCESS", updated.reason
    assert updated.physical_id == created.physical_id
    assert updated.data["TotalEntries"] == "7"
    assert operations(emulator, "CreateDataset", "DeleteDataset") == []
    assert emulator.request_log.count("UpdateDatasetEntries") == 1


def test_entries_that_drop_source_refs_rebuild(
    project_arn: str, runtime: Runtime, emulator: Emulator, put_object: Callable[..., dict[str, str]]
) -> None:
    old = props(project_arn, {"Type": "entries", **put_object(lines({"rose": 4, "tulip": 2}), key="e.jsonl")})
    created = run(event("Create", old), runtime)
    new = props(project_arn, {"Type": "entries", **put_object(lines({"rose": 4}), key="e.jsonl")})
    updated = run(event("Update", new, old=old, physical_id=created.physical_id), runtime)
    assert updated.status == "SUCCESS", updated.reason
    assert updated.physical_id != created.physical_id and updated.data["TotalEntries"] == "4"


def test_distributed_training_entries_always_rebuild(
    project_arn: str, runtime: Runtime, emulator: Emulator, put_object: Callable[..., dict[str, str]]
) -> None:
    first = lines({"rose": 4})
    old = props(project_arn, {"Type": "entries", **put_object(first, key="e.jsonl")}, Distributed="true")
    created = run(event("Create", old), runtime)
    new = props(
        project_arn, {"Type": "entries", **put_object(first + lines({"tulip": 2}), key="e.jsonl")}, Distributed="true"
    )
    emulator.request_log.clear()
    updated = run(event("Update", new, old=old, physical_id=created.physical_id), runtime)
    assert updated.status == "SUCCESS", updated.reason
    assert operations(emulator, "CreateDataset", "DeleteDataset") == ["DeleteDataset", "CreateDataset"]


def test_project_change_replaces_and_cleanup_deletes_the_old_one(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    other = rekognition_client.create_project(ProjectName="other")["ProjectArn"]
    old = props(project_arn, {"Type": "empty"})
    created = run(event("Create", old), runtime)
    new = props(other, {"Type": "empty"})
    updated = run(event("Update", new, old=old, physical_id=created.physical_id), runtime)
    assert updated.status == "SUCCESS", updated.reason
    assert "project/other/dataset/train/" in str(updated.physical_id)
    assert exists(rekognition_client, str(created.physical_id))  # until CloudFormation's cleanup phase
    cleanup = run(event("Delete", old, physical_id=created.physical_id), runtime)
    assert cleanup.status == "SUCCESS" and cleanup.physical_id == created.physical_id
    assert not exists(rekognition_client, str(created.physical_id))
    assert exists(rekognition_client, str(updated.physical_id))


def test_type_change_replaces_within_the_project(
    project_arn: str, runtime: Runtime, rekognition_client: RekognitionClient
) -> None:
    old = props(project_arn, {"Type": "empty"})
    created = run(event("Create", old), runtime)
    new = props(project_arn, {"Type": "empty"}, dataset_type="TEST")
    updated = run(event("Update", new, old=old, physical_id=created.physical_id), runtime)
    assert updated.status == "SUCCESS", updated.reason
    assert "/dataset/test/" in str(updated.physical_id)
    run(event("Delete", old, physical_id=created.physical_id), runtime)
    datasets = rekognition_client.describe_projects(ProjectNames=["flowers"])["ProjectDescriptions"][0]["Datasets"]
    assert [d["DatasetArn"] for d in datasets] == [updated.physical_id]


def test_training_fingerprint_change_rebuilds_the_test_dataset_empty(
    project_arn: str, runtime: Runtime, rekognition_client: RekognitionClient
) -> None:
    old = props(project_arn, {"Type": "empty"}, dataset_type="TEST", ResetOnTrainingFingerprint="train-v1")
    created = run(event("Create", old, logical_id="TestData"), runtime)
    rekognition_client.update_dataset_entries(
        DatasetArn=str(created.physical_id),
        Changes={"GroundTruth": b'{"source-ref":"s3://provider-test-images/images/x.jpg"}\n'},
    )
    new = {**old, "ResetOnTrainingFingerprint": "train-v2"}
    updated = run(event("Update", new, old=old, physical_id=created.physical_id, logical_id="TestData"), runtime)
    assert updated.status == "SUCCESS", updated.reason
    assert updated.physical_id != created.physical_id and updated.data["TotalEntries"] == "0"


def test_rollback_converges_back_even_when_the_carried_physical_id_is_gone(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    put_object: Callable[..., dict[str, str]],
    rekognition_client: RekognitionClient,
) -> None:
    # GIVEN a dataset built from a good manifest
    good = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3}))})
    created = run(event("Create", good), runtime)
    # WHEN an update to a new source fails in the service (rebuilt dataset ends CREATE_FAILED)
    bad = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3, "tulip": 1}))})
    emulator.faults.fail_next(project_arn, "Injected: the manifest file is not valid.")
    failed = run(event("Update", bad, old=good, physical_id=created.physical_id), runtime)
    assert failed.status == "FAILED" and "Injected: the manifest file is not valid." in failed.reason
    assert not exists(rekognition_client, str(created.physical_id))
    # AND CloudFormation rolls back with the old properties and the old (now deleted) physical id
    rolled = run(event("Update", good, old=bad, physical_id=created.physical_id), runtime)
    # THEN the slot converges back to the good source, tagged with its fingerprint
    assert rolled.status == "SUCCESS", rolled.reason
    assert rolled.data["TotalEntries"] == "3"
    tags = rekognition_client.list_tags_for_resource(ResourceArn=str(rolled.physical_id))["Tags"]
    assert tags[TAG_FINGERPRINT] == rolled.data["SourceFingerprint"]


def test_framework_keys_alone_change_nothing(project_arn: str, runtime: Runtime, emulator: Emulator) -> None:
    old = props(project_arn, {"Type": "empty"})
    created = run(event("Create", old), runtime)
    emulator.request_log.clear()
    request = event("Update", old, old=old, physical_id=created.physical_id)
    request["ResourceProperties"]["ServiceTimeout"] = "1200"
    updated = run(request, runtime)
    assert updated.status == "SUCCESS" and updated.physical_id == created.physical_id
    assert operations(emulator, "CreateDataset", "DeleteDataset", "TagResource", "UntagResource") == []


def test_a_redelivered_update_rebuilds_the_import_its_first_delivery_left_running_when_it_fails(
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    """on_event meets an import it did not start (``STEP_INHERITED``): the poll that finds it failed rebuilds."""
    old, new, arn = first_delivery_left_an_import_running(
        project_arn, runtime, put_object, emulator, rekognition_client
    )
    ticks = iter([IMPORT_SECONDS + 1])
    response = run(
        event("Update", new, old=old, physical_id=arn), runtime, tick=lambda: emulator.advance_time(next(ticks, 0))
    )
    assert response.status == "SUCCESS", response.reason
    held = rekognition_client.list_dataset_entries(DatasetArn=str(response.physical_id))["DatasetEntries"]
    assert len(held) == 5
