"""``Custom::RekognitionModelVersion`` updates (retag in place, replacement) and deletes (only what it owns)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.schema import TAG_LOGICAL_ID, TAG_STACK_ID
from rekognition_datasets_handler.watch import rule_name

from .cfn import OTHER_STACK_ID, STACK_ID, run
from .model_helpers import (
    WaitHandle,
    out_of_band,
    rules,
    trainable_project,
    version_event,
    version_props,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


def versions(rek: RekognitionClient, project: str) -> dict[str, str]:
    """Version ARN -> status."""
    found = rek.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]
    return {v["ProjectVersionArn"]: v["Status"] for v in found}


def operations(emulator: Emulator, *names: str) -> list[str]:
    return [e.operation for e in emulator.request_log.entries() if e.operation in names]


def create(props: dict[str, Any], runtime: Runtime) -> str:
    response = run(version_event("Create", props), runtime)
    assert response.status == "SUCCESS", response.reason
    return str(response.physical_id)


def delete(props: dict[str, Any], arn: str, runtime: Runtime, emulator: Emulator, tick: float = 0) -> Any:
    return run(
        version_event("Delete", props, physical_id=arn),
        runtime,
        tick=(lambda: emulator.advance_time(tick)) if tick else None,
    )


# ------------------------------------------------------------------------------------------------------ update
def test_a_tags_only_update_retags_in_place(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    old = version_props(project, handle.url(), Tags={"team": "vision", "cost": "a"})
    arn = create(old, model_runtime)
    new = {**old, "Tags": {"team": "ml", "owner": "me"}}
    response = run(version_event("Update", new, old=old, physical_id=arn), model_runtime)
    assert response.status == "SUCCESS", response.reason
    assert response.physical_id == arn
    assert rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"] == {
        "team": "ml",
        "owner": "me",
        TAG_STACK_ID: STACK_ID,
        TAG_LOGICAL_ID: "Model",
    }
    assert emulator.request_log.count("CreateProjectVersion") == 1
    (untag,) = emulator.request_log.entries("UntagResource")
    assert untag.params["TagKeys"] == ["cost"]


def test_a_new_version_name_is_a_replacement(
    project: str,
    handle: WaitHandle,
    model_runtime: Runtime,
    rekognition: RekognitionClient,
    events: EventBridgeClient,
) -> None:
    old = version_props(project, handle.url())
    arn = create(old, model_runtime)
    new = version_props(project, handle.url("handle2"), name="v2")
    response = run(version_event("Update", new, old=old, physical_id=arn), model_runtime)
    assert response.status == "SUCCESS", response.reason
    assert response.physical_id != arn
    assert response.data["VersionName"] == "v2"
    # The old version waits for CloudFormation's cleanup Delete (or is retained): the update leaves it alone.
    assert set(versions(rekognition, project)) == {arn, response.physical_id}
    assert sorted(rules(events)) == sorted([rule_name(arn), rule_name(str(response.physical_id))])


def test_a_gate_change_on_the_same_version_adopts_it_and_watches_again(
    project: str, handle: WaitHandle, model_runtime: Runtime, rekognition: RekognitionClient
) -> None:
    old = version_props(project, handle.url())
    arn = create(old, model_runtime)
    new = {**old, "MinF1Score": "0.5", "WaitHandle": handle.url("handle2")}
    response = run(version_event("Update", new, old=old, physical_id=arn), model_runtime)
    assert response.status == "SUCCESS", response.reason
    assert response.physical_id == arn
    assert list(versions(rekognition, project)) == [arn]


def test_changing_what_is_trained_without_a_new_name_is_refused(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator
) -> None:
    old = version_props(project, handle.url())
    arn = create(old, model_runtime)
    new = {**old, "OutputPrefix": "other/"}
    response = run(version_event("Update", new, old=old, physical_id=arn), model_runtime)
    assert response.status == "FAILED"
    assert "OutputPrefix changed but VersionName v1 did not" in response.reason
    assert emulator.request_log.count("CreateProjectVersion") == 1


# ------------------------------------------------------------------------------------------------------ delete
def test_delete_removes_the_version_and_its_rule(
    project: str,
    handle: WaitHandle,
    model_runtime: Runtime,
    emulator: Emulator,
    rekognition: RekognitionClient,
    events: EventBridgeClient,
) -> None:
    props = version_props(project, handle.url())
    arn = create(props, model_runtime)
    response = delete(props, arn, model_runtime, emulator)
    assert response.status == "SUCCESS", response.reason
    assert versions(rekognition, project) == {}
    assert rules(events) == []
    assert emulator.request_log.count("StopProjectVersion") == 0


def test_delete_while_training_waits_for_the_training_to_settle(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    emulator.configure(training_delay=300)
    props = version_props(project, handle.url())
    arn = create(props, model_runtime)
    response = delete(props, arn, model_runtime, emulator, tick=60)
    assert response.status == "SUCCESS", response.reason
    assert response.polls >= 5  # waited out the training, one poll a minute
    assert emulator.request_log.count("DeleteProjectVersion") == 1
    assert emulator.request_log.count("DeleteProjectVersion", outcome="ResourceInUseException") == 0
    assert versions(rekognition, project) == {}


def test_delete_while_running_stops_first(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    emulator.configure(version_stop_delay=30, version_delete_delay=30)
    props = version_props(project, handle.url())
    arn = create(props, model_runtime)
    rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    assert versions(rekognition, project) == {arn: "RUNNING"}
    response = delete(props, arn, model_runtime, emulator, tick=10)
    assert response.status == "SUCCESS", response.reason
    assert operations(emulator, "StopProjectVersion", "DeleteProjectVersion") == [
        "StopProjectVersion",
        "DeleteProjectVersion",
    ]
    assert versions(rekognition, project) == {}


def test_delete_leaves_a_version_it_cannot_prove_its_own(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    foreign = out_of_band(rekognition, project, "theirs", OTHER_STACK_ID)
    response = delete(version_props(project, handle.url()), foreign, model_runtime, emulator)
    assert response.status == "SUCCESS", response.reason
    assert versions(rekognition, project) == {foreign: "TRAINING_COMPLETED"}
    assert emulator.request_log.count("DeleteProjectVersion") == 0


def test_delete_after_a_failed_create_finds_its_version_by_its_tags(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    props = version_props(project, handle.url())
    ours = out_of_band(rekognition, project, "v1", STACK_ID)
    response = delete(props, "a-request-id-never-answered", model_runtime, emulator)
    assert response.status == "SUCCESS", response.reason
    assert ours not in versions(rekognition, project)


def test_delete_of_a_version_already_gone_succeeds(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    props = version_props(project, handle.url())
    arn = create(props, model_runtime)
    rekognition.delete_project_version(ProjectVersionArn=arn)
    response = delete(props, arn, model_runtime, emulator)
    assert response.status == "SUCCESS", response.reason


def test_delete_rides_out_throttling(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    props = version_props(project, handle.url())
    arn = create(props, model_runtime)
    emulator.faults.throttle_next(3, "DescribeProjectVersions")
    response = delete(props, arn, model_runtime, emulator)
    assert response.status == "SUCCESS", response.reason
    assert versions(rekognition, project) == {}


@pytest.mark.parametrize(("stack_id", "deleted"), [(STACK_ID, True), (OTHER_STACK_ID, False)])
def test_a_version_of_another_project_is_deleted_only_when_its_tags_prove_it_ours(
    project: str,
    handle: WaitHandle,
    model_runtime: Runtime,
    emulator: Emulator,
    rekognition: RekognitionClient,
    put_object: Callable[..., dict[str, str]],
    stack_id: str,
    deleted: bool,
) -> None:
    other = trainable_project(rekognition, put_object, name="tulips")
    arn = out_of_band(rekognition, other, "v1", stack_id)
    response = delete(version_props(project, handle.url()), arn, model_runtime, emulator)
    assert response.status == "SUCCESS", response.reason
    assert versions(rekognition, other) == ({} if deleted else {arn: "TRAINING_COMPLETED"})
