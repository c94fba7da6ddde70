"""Deletes: in progress, unknown, made-up, marker, already deleted, and (made-up ids) datasets that are not ours."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.arns import in_slot
from rekognition_datasets_handler.provider import on_event

from .cfn import OTHER_STACK_ID, event, exists, run
from .conftest import log_records

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator

MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"


def props(project_arn: str) -> dict[str, Any]:
    return {"ProjectArn": project_arn, "DatasetType": "TRAIN", "Source": {"Type": "empty"}}


def test_delete_waits_until_the_dataset_is_gone(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    created = run(event("Create", props(project_arn)), runtime)
    emulator.configure(dataset_delete_delay=30)
    response = run(
        event("Delete", props(project_arn), physical_id=created.physical_id),
        runtime,
        tick=lambda: emulator.advance_time(10),
    )
    assert response.status == "SUCCESS" and response.physical_id == created.physical_id
    assert response.polls >= 3  # DELETE_IN_PROGRESS was waited out
    assert not exists(rekognition_client, str(created.physical_id))
    assert emulator.request_log.count("DeleteDataset", "OK") == 1


def test_create_cancelled_in_progress_then_delete_with_made_up_id_finds_and_deletes_it(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    # GIVEN a Create whose dataset is still CREATE_IN_PROGRESS when CloudFormation cancels it
    emulator.configure(dataset_create_delay=60)
    created = on_event(event("Create", props(project_arn)), None, runtime)["PhysicalResourceId"]
    # WHEN the rollback Delete arrives with a made-up physical id
    made_up = "DatasetsStack-TrainingData-1QW2E3R4T5Y6"
    response = run(
        event("Delete", props(project_arn), physical_id=made_up), runtime, tick=lambda: emulator.advance_time(15)
    )
    # THEN it waited for the create to settle, then deleted it, and kept the made-up id
    assert response.status == "SUCCESS" and response.physical_id == made_up
    assert not exists(rekognition_client, created)
    delete_outcomes = [e.outcome for e in emulator.request_log.entries("DeleteDataset")]
    assert delete_outcomes == ["OK"]


@pytest.mark.parametrize(
    "physical_id",
    [
        MARKER,
        "DatasetsStack-TrainingData-ZZZZZZZZ",
        "arn:aws:rekognition:us-east-1:123456789012:project/flowers/dataset/train/1600000000000",
    ],
    ids=["marker", "made-up-with-empty-slot", "already-deleted-arn"],
)
def test_delete_of_nothing_succeeds_without_deleting(
    physical_id: str, project_arn: str, runtime: Runtime, emulator: Emulator
) -> None:
    response = run(event("Delete", props(project_arn), physical_id=physical_id), runtime)
    assert response.status == "SUCCESS" and response.physical_id == physical_id
    assert emulator.request_log.count("DeleteDataset", "OK") == 0  # an ARN's DeleteDataset finds nothing


def test_marker_never_touches_the_slot_even_if_ours(project_arn: str, runtime: Runtime, emulator: Emulator) -> None:
    run(event("Create", props(project_arn)), runtime)
    response = run(event("Delete", props(project_arn), physical_id=MARKER), runtime)
    assert response.status == "SUCCESS"
    assert emulator.request_log.count("DeleteDataset") == 0


def test_delete_with_malformed_properties_and_unknown_id_succeeds(runtime: Runtime, emulator: Emulator) -> None:
    response = run(event("Delete", {"ProjectArn": 42}, physical_id="whatever"), runtime)
    assert response.status == "SUCCESS"
    assert emulator.request_log.count() == 0


def test_a_made_up_id_never_deletes_a_dataset_this_resource_did_not_create(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    # A made-up id names no dataset, so the slot is read and the tags decide. (An ARN in the declared slot needs
    # no such proof: CloudFormation passes back only ids this provider returned, each after creating or proving it.)
    theirs = rekognition_client.create_dataset(ProjectArn=project_arn, DatasetType="TRAIN")["DatasetArn"]
    made_up = "DatasetsStack-TrainingData-ABC"
    by_slot = run(event("Delete", props(project_arn), physical_id=made_up), runtime)
    other_stack = run(event("Delete", props(project_arn), physical_id=made_up, stack_id=OTHER_STACK_ID), runtime)
    assert by_slot.status == other_stack.status == "SUCCESS"
    assert exists(rekognition_client, theirs)
    assert emulator.request_log.count("DeleteDataset") == 0


def test_a_made_up_id_leaves_another_logical_resource_of_the_same_stack_alone(
    project_arn: str, runtime: Runtime, rekognition_client: RekognitionClient
) -> None:
    created = run(event("Create", props(project_arn), logical_id="Mine"), runtime)
    made_up = "DatasetsStack-NotMine-1QW2E3R4T5Y6"
    response = run(event("Delete", props(project_arn), physical_id=made_up, logical_id="NotMine"), runtime)
    assert response.status == "SUCCESS"
    assert exists(rekognition_client, str(created.physical_id))


def test_dataset_deleted_out_of_band_while_deleting(project_arn: str, runtime: Runtime, emulator: Emulator) -> None:
    created = run(event("Create", props(project_arn)), runtime)
    emulator.faults.delete_dataset(str(created.physical_id))
    response = run(event("Delete", props(project_arn), physical_id=created.physical_id), runtime)
    assert response.status == "SUCCESS"
    assert [e.outcome for e in emulator.request_log.entries("DeleteDataset")] == ["ResourceNotFoundException"]


def test_an_arn_of_another_project_without_our_tags_is_left_alone(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient, log_stream: Any
) -> None:
    # GIVEN another project's dataset, which this stack did not create (no ownership tags)
    other = rekognition_client.create_project(ProjectName="someone-elses")["ProjectArn"]
    theirs = rekognition_client.create_dataset(ProjectArn=other, DatasetType="TRAIN")["DatasetArn"]
    # WHEN a Delete of this resource (declared in project flowers) arrives with that ARN as its physical id
    response = run(event("Delete", props(project_arn), physical_id=theirs), runtime)
    # THEN it succeeds without deleting, and says why
    assert response.status == "SUCCESS" and response.physical_id == theirs
    assert exists(rekognition_client, theirs)
    assert emulator.request_log.count("DeleteDataset") == 0
    assert "delete-not-ours" in {r.get("step") for r in log_records(log_stream)}


def test_an_arn_of_another_type_in_the_project_without_our_tags_is_left_alone(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    theirs = rekognition_client.create_dataset(ProjectArn=project_arn, DatasetType="TEST")["DatasetArn"]
    response = run(event("Delete", props(project_arn), physical_id=theirs), runtime)
    assert response.status == "SUCCESS" and exists(rekognition_client, theirs)
    assert emulator.request_log.count("DeleteDataset") == 0


def test_an_arn_outside_the_declared_slot_is_deleted_when_its_tags_prove_it_ours(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    # GIVEN this resource's dataset in project B (e.g. a move's cleanup Delete that carries the new properties)
    other = rekognition_client.create_project(ProjectName="other")["ProjectArn"]
    ours = run(event("Create", props(other)), runtime)
    # WHEN the Delete's properties declare project flowers
    response = run(event("Delete", props(project_arn), physical_id=ours.physical_id), runtime)
    # THEN the identity tags prove it this resource's: deleted
    assert response.status == "SUCCESS" and not exists(rekognition_client, str(ours.physical_id))
    assert emulator.request_log.count("DeleteDataset", "OK") == 1


def test_an_arn_with_unparseable_properties_is_deleted_only_when_tagged_ours(
    project_arn: str, runtime: Runtime, rekognition_client: RekognitionClient
) -> None:
    ours = str(run(event("Create", props(project_arn)), runtime).physical_id)
    mine = run(event("Delete", {"ProjectArn": 42}, physical_id=ours, logical_id="Other"), runtime)
    assert mine.status == "SUCCESS" and exists(rekognition_client, ours)  # another logical id: not ours
    again = run(event("Delete", {"ProjectArn": 42}, physical_id=ours), runtime)
    assert again.status == "SUCCESS" and not exists(rekognition_client, ours)


DECLARED = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/1700000000000"


@pytest.mark.parametrize(
    ("arn", "declared"),
    [
        ("arn:aws:rekognition:us-east-1:123456789012:project/flowers/dataset/train/1700000000001", True),
        ("arn:aws:rekognition:us-east-1:123456789012:project/flowers/dataset/test/1700000000001", False),
        ("arn:aws:rekognition:us-east-1:210987654321:project/flowers/dataset/train/1700000000001", False),
        ("arn:aws:rekognition:eu-west-1:123456789012:project/flowers/dataset/train/1700000000001", False),
        ("arn:aws:rekognition:us-east-1:123456789012:project/flowers2/dataset/train/1700000000001", False),
        ("arn:aws:rekognition:us-east-1:123456789012:project/flowers/1700000000000", False),
    ],
    ids=["same-slot", "other-type", "other-account", "other-region", "name-prefix", "project-arn"],
)
def test_only_an_arn_in_the_declared_slot_skips_the_tag_proof(arn: str, declared: bool) -> None:
    assert in_slot(arn, DECLARED, "TRAIN") is declared
