"""Distributions: split ~20% into the empty test dataset once, re-delivery, and the service's failures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.schema import DISTRIBUTION_ATTRIBUTES, DISTRIBUTION_RESOURCE_TYPE

from .cfn import event, run
from .conftest import lines

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


def datasets(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]], counts: dict[str, int]
) -> tuple[str, str]:
    train = {
        "ProjectArn": project_arn,
        "DatasetType": "TRAIN",
        "Distributed": "true",
        "Source": {"Type": "manifest", **put_object(lines(counts))},
    }
    test = {"ProjectArn": project_arn, "DatasetType": "TEST", "ResetOnTrainingFingerprint": "v1"}
    made = [run(event("Create", p, logical_id=n), runtime) for n, p in (("Train", train), ("Test", test))]
    assert all(m.status == "SUCCESS" for m in made), [m.reason for m in made]
    return str(made[0].physical_id), str(made[1].physical_id)


def distribution(train: str, test: str, request_type: str = "Create", **kwargs: Any) -> dict[str, Any]:
    props = {"TrainingDatasetArn": train, "TestingDatasetArn": test, "TrainingFingerprint": "v1"}
    return event(request_type, props, logical_id="Split", resource_type=DISTRIBUTION_RESOURCE_TYPE, **kwargs)


def test_split_moves_about_a_fifth_into_the_test_dataset(
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    train, test = datasets(project_arn, runtime, put_object, {"rose": 25, "tulip": 25})
    response = run(distribution(train, test), runtime)
    assert response.status == "SUCCESS", response.reason
    assert set(response.data) == set(DISTRIBUTION_ATTRIBUTES)
    training, testing = int(response.data["TrainingEntries"]), int(response.data["TestingEntries"])
    assert training + testing == 50 and 5 <= testing <= 15
    assert emulator.request_log.count("DistributeDatasetEntries") == 1
    (call,) = emulator.request_log.entries("DistributeDatasetEntries")
    assert call.params["Datasets"] == [{"Arn": train}, {"Arn": test}]
    described = rekognition_client.describe_dataset(DatasetArn=test)["DatasetDescription"]
    assert described["DatasetStats"]["TotalEntries"] == testing


def test_redelivered_create_does_not_split_again(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]], emulator: Emulator
) -> None:
    train, test = datasets(project_arn, runtime, put_object, {"rose": 25, "tulip": 25})
    request = distribution(train, test)
    first, second = run(request, runtime), run(request, runtime)
    assert first.status == second.status == "SUCCESS"
    assert first.physical_id == second.physical_id and first.data == second.data
    assert emulator.request_log.count("DistributeDatasetEntries") == 1


def test_insufficient_images_fails_with_the_service_message(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]]
) -> None:
    train, test = datasets(project_arn, runtime, put_object, {"rose": 1, "tulip": 1})
    response = run(distribution(train, test), runtime)
    assert response.status == "FAILED"
    assert "UPDATE_FAILED" in response.reason and "enough labeled images" in response.reason


def test_datasets_of_different_projects_or_types_fail_in_one_sentence(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]], emulator: Emulator
) -> None:
    train, test = datasets(project_arn, runtime, put_object, {"rose": 5})
    other = test.replace("project/flowers/", "project/elsewhere/")
    swapped = run(distribution(test, train), runtime)
    mixed = run(distribution(train, other), runtime)
    assert "TrainingDatasetArn must be a TRAIN dataset" in swapped.reason
    assert "must belong to the same project" in mixed.reason
    assert emulator.request_log.count("DistributeDatasetEntries") == 0


def test_delete_has_nothing_to_undo(runtime: Runtime, emulator: Emulator) -> None:
    request = distribution("x", "y", "Delete", physical_id="rekognition-distribution-abc")
    response = run(request, runtime)
    assert response.status == "SUCCESS" and response.physical_id == "rekognition-distribution-abc"
    assert emulator.request_log.count() == 0


def test_training_rebuild_resets_test_and_the_distribution_resplits(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]], emulator: Emulator
) -> None:
    train, test = datasets(project_arn, runtime, put_object, {"rose": 25, "tulip": 25})
    assert run(distribution(train, test), runtime).status == "SUCCESS"
    # the training source changes: train is rebuilt, test is rebuilt empty (new ResetOnTrainingFingerprint)
    old_train = {
        "ProjectArn": project_arn,
        "DatasetType": "TRAIN",
        "Distributed": "true",
        "Source": {"Type": "manifest", **put_object(lines({"rose": 25, "tulip": 25}))},
    }
    new_train = {**old_train, "Source": {"Type": "manifest", **put_object(lines({"rose": 30, "tulip": 30}))}}
    old_test = {"ProjectArn": project_arn, "DatasetType": "TEST", "ResetOnTrainingFingerprint": "v1"}
    new_test = {**old_test, "ResetOnTrainingFingerprint": "v2"}
    train2 = run(event("Update", new_train, old=old_train, physical_id=train, logical_id="Train"), runtime)
    test2 = run(event("Update", new_test, old=old_test, physical_id=test, logical_id="Test"), runtime)
    assert test2.data["TotalEntries"] == "0"
    request = distribution(
        str(train2.physical_id),
        str(test2.physical_id),
        "Update",
        old={"TrainingDatasetArn": train, "TestingDatasetArn": test},
        physical_id="old",
    )
    response = run(request, runtime)
    assert response.status == "SUCCESS", response.reason
    assert int(response.data["TrainingEntries"]) + int(response.data["TestingEntries"]) == 60
    assert emulator.request_log.count("DistributeDatasetEntries") == 2


def test_removing_the_split_restores_both_declarations_and_adding_it_back_splits_the_whole_source(
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    rekognition_client: RekognitionClient,
) -> None:
    # GIVEN a split of 20 entries (the training source unchanged throughout)
    source = {"Type": "manifest", **put_object(lines({"rose": 10, "tulip": 10}))}
    split_train = {"ProjectArn": project_arn, "DatasetType": "TRAIN", "Distributed": "true", "Source": source}
    split_test = {"ProjectArn": project_arn, "DatasetType": "TEST", "ResetOnTrainingFingerprint": "v1"}
    train = str(run(event("Create", split_train, logical_id="Train"), runtime).physical_id)
    test = str(run(event("Create", split_test, logical_id="Test"), runtime).physical_id)
    assert run(distribution(train, test), runtime).status == "SUCCESS"
    # WHEN the split is removed: the datasets lose Distributed / ResetOnTrainingFingerprint
    plain_train = {k: v for k, v in split_train.items() if k != "Distributed"}
    plain_test = {k: v for k, v in split_test.items() if k != "ResetOnTrainingFingerprint"}
    train2 = run(event("Update", plain_train, old=split_train, physical_id=train, logical_id="Train"), runtime)
    test2 = run(event("Update", plain_test, old=split_test, physical_id=test, logical_id="Test"), runtime)
    # THEN TRAIN holds all 20 declared entries again and TEST its own (empty) declaration
    assert train2.status == test2.status == "SUCCESS", (train2.reason, test2.reason)
    assert (train2.data["TotalEntries"], test2.data["TotalEntries"]) == ("20", "0")
    # WHEN the split is added back: the whole source is split again
    train3 = run(
        event("Update", split_train, old=plain_train, physical_id=train2.physical_id, logical_id="Train"), runtime
    )
    test3 = run(event("Update", split_test, old=plain_test, physical_id=test2.physical_id, logical_id="Test"), runtime)
    assert train3.data["TotalEntries"] == "20" and test3.data["TotalEntries"] == "0"
    again = run(distribution(str(train3.physical_id), str(test3.physical_id)), runtime)
    assert again.status == "SUCCESS", again.reason
    assert int(again.data["TrainingEntries"]) + int(again.data["TestingEntries"]) == 20
    assert int(again.data["TestingEntries"]) >= 3


def test_removing_the_split_when_the_training_manifest_is_gone_fails_with_train_untouched(
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    s3: S3Client,
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    # GIVEN a split TRAIN dataset whose manifest has since been deleted
    source = {"Type": "manifest", **put_object(lines({"rose": 10, "tulip": 10}))}
    split_train = {"ProjectArn": project_arn, "DatasetType": "TRAIN", "Distributed": "true", "Source": source}
    split_test = {"ProjectArn": project_arn, "DatasetType": "TEST", "ResetOnTrainingFingerprint": "v1"}
    train = str(run(event("Create", split_train, logical_id="Train"), runtime).physical_id)
    test = str(run(event("Create", split_test, logical_id="Test"), runtime).physical_id)
    assert run(distribution(train, test), runtime).status == "SUCCESS"
    s3.delete_object(Bucket=source["Bucket"], Key=source["Key"], VersionId=source["Version"])
    emulator.request_log.clear()
    # WHEN the split is removed (TRAIN must be rebuilt whole, from that manifest)
    plain_train = {k: v for k, v in split_train.items() if k != "Distributed"}
    failed = run(event("Update", plain_train, old=split_train, physical_id=train, logical_id="Train"), runtime)
    # THEN the update fails before any delete: TRAIN keeps the entries it has
    assert failed.status == "FAILED" and "not readable" in failed.reason and "left unchanged" in failed.reason
    assert emulator.request_log.count("DeleteDataset") == 0
    assert (
        rekognition_client.describe_dataset(DatasetArn=train)["DatasetDescription"]["DatasetStats"]["TotalEntries"]
        == 16
    )
