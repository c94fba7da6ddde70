"""Model serving: start and wait, unit changes, replacement by version, stop on delete, failures, re-delivery."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from rekognition_datasets_handler.model_schema import ATTR_AUTO_STOP_AT, ATTR_MODEL_STATUS, ATTR_PROJECT_VERSION_ARN
from rekognition_datasets_handler.provider import on_event

from .cfn import run
from .serving_helpers import props, serving, status, train, version

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


@pytest.fixture
def versions(
    rekognition_client: RekognitionClient, project_arn: str, put_object: Callable[..., dict[str, str]]
) -> list[str]:
    return train(rekognition_client, project_arn, put_object, "v1", "v2")


def calls(emulator: Emulator, *operations: str) -> list[str]:
    """The logged calls of ``operations``, in order."""
    return [e.operation for e in emulator.request_log.entries() if e.operation in operations]


def test_create_starts_the_version_and_waits_until_running(
    emulator: Emulator, rekognition_client: RekognitionClient, project_arn: str, versions: list[str], runtime: Runtime
) -> None:
    emulator.configure(version_start_delay=60)

    made = run(
        serving("Create", versions[0], 2, MaxInferenceUnits="3"), runtime, tick=lambda: emulator.advance_time(30)
    )

    described = version(rekognition_client, project_arn, "v1")
    assert (made.status, made.physical_id, made.polls) == ("SUCCESS", versions[0], 2)
    assert made.data == {ATTR_PROJECT_VERSION_ARN: versions[0], ATTR_MODEL_STATUS: "RUNNING", ATTR_AUTO_STOP_AT: ""}
    assert (described["Status"], described["MinInferenceUnits"], described["MaxInferenceUnits"]) == ("RUNNING", 2, 3)
    assert calls(emulator, "StartProjectVersion") == ["StartProjectVersion"]


def test_a_failed_start_fails_with_the_service_message(
    emulator: Emulator, versions: list[str], runtime: Runtime
) -> None:
    emulator.configure(start_failures={"v1": "Not enough inference capacity in us-east-1."})

    made = run(serving("Create", versions[0]), runtime)

    assert made.status == "FAILED"
    assert f"Model version {versions[0]} failed to start: Not enough inference capacity in us-east-1." in made.reason


def test_on_event_retries_a_failed_start_left_by_an_earlier_attempt(
    emulator: Emulator, rekognition_client: RekognitionClient, project_arn: str, versions: list[str], runtime: Runtime
) -> None:
    emulator.configure(start_failures={"v1": "capacity"})
    assert run(serving("Create", versions[0]), runtime).status == "FAILED"
    emulator.configure(start_failures={})

    again = run(serving("Create", versions[0]), runtime)

    assert again.status == "SUCCESS"
    assert status(rekognition_client, project_arn, "v1") == "RUNNING"


def test_new_units_stop_the_version_then_start_it_with_them(
    emulator: Emulator, rekognition_client: RekognitionClient, project_arn: str, versions: list[str], runtime: Runtime
) -> None:
    assert run(serving("Create", versions[0]), runtime).status == "SUCCESS"
    emulator.request_log.clear()

    updated = run(
        serving("Update", versions[0], 2, MaxInferenceUnits="4", old=props(versions[0]), physical_id=versions[0]),
        runtime,
    )

    described = version(rekognition_client, project_arn, "v1")
    assert (updated.status, updated.physical_id) == ("SUCCESS", versions[0])
    assert (described["Status"], described["MinInferenceUnits"], described["MaxInferenceUnits"]) == ("RUNNING", 2, 4)
    assert calls(emulator, "StartProjectVersion", "StopProjectVersion") == ["StopProjectVersion", "StartProjectVersion"]


def test_dropping_max_units_restarts_without_scaling(
    rekognition_client: RekognitionClient, project_arn: str, versions: list[str], runtime: Runtime
) -> None:
    assert run(serving("Create", versions[0], 1, MaxInferenceUnits="3"), runtime).status == "SUCCESS"

    old = props(versions[0], 1, MaxInferenceUnits="3")
    assert run(serving("Update", versions[0], 1, old=old, physical_id=versions[0]), runtime).status == "SUCCESS"

    assert version(rekognition_client, project_arn, "v1")["MaxInferenceUnits"] == 1


def test_a_new_version_is_a_replacement_and_cleanup_stops_the_old(
    emulator: Emulator, rekognition_client: RekognitionClient, project_arn: str, versions: list[str], runtime: Runtime
) -> None:
    assert run(serving("Create", versions[0]), runtime).status == "SUCCESS"

    replaced = run(serving("Update", versions[1], old=props(versions[0]), physical_id=versions[0]), runtime)
    both = (status(rekognition_client, project_arn, "v1"), status(rekognition_client, project_arn, "v2"))
    cleanup = run(serving("Delete", versions[0], physical_id=versions[0]), runtime)

    assert (replaced.status, replaced.physical_id) == ("SUCCESS", versions[1])
    assert both == ("RUNNING", "RUNNING"), "the new version serves before the old one stops"
    assert cleanup.status == "SUCCESS"
    assert (status(rekognition_client, project_arn, "v1"), status(rekognition_client, project_arn, "v2")) == (
        "STOPPED",
        "RUNNING",
    )
    assert calls(emulator, "DeleteProjectVersion") == []


def test_delete_stops_and_waits_and_is_idempotent(
    emulator: Emulator, rekognition_client: RekognitionClient, project_arn: str, versions: list[str], runtime: Runtime
) -> None:
    assert run(serving("Create", versions[0]), runtime).status == "SUCCESS"
    emulator.configure(version_stop_delay=60)

    deleted = run(
        serving("Delete", versions[0], physical_id=versions[0]), runtime, tick=lambda: emulator.advance_time(30)
    )
    again = run(serving("Delete", versions[0], physical_id=versions[0]), runtime)

    assert (deleted.status, deleted.polls, again.status, again.polls) == ("SUCCESS", 2, "SUCCESS", 1)
    assert status(rekognition_client, project_arn, "v1") == "STOPPED"
    assert calls(emulator, "StopProjectVersion", "DeleteProjectVersion") == ["StopProjectVersion"]
    assert [e for e in emulator.request_log.entries() if e.operation.startswith("scheduler:")] == [], (
        "without auto-stop no Scheduler call (nor permission) is needed"
    )


def test_delete_of_a_version_that_is_gone_succeeds(
    rekognition_client: RekognitionClient, versions: list[str], runtime: Runtime
) -> None:
    rekognition_client.delete_project_version(ProjectVersionArn=versions[0])

    assert run(serving("Delete", versions[0], physical_id=versions[0]), runtime).status == "SUCCESS"


@pytest.mark.parametrize("physical_id", ["AWSCDK::CustomResourceProviderFramework::CREATE_FAILED", "v2"])
def test_delete_leaves_alone_what_this_resource_does_not_serve(
    physical_id: str,
    emulator: Emulator,
    rekognition_client: RekognitionClient,
    project_arn: str,
    versions: list[str],
    runtime: Runtime,
) -> None:
    rekognition_client.start_project_version(ProjectVersionArn=versions[1], MinInferenceUnits=1)
    pid = versions[1] if physical_id == "v2" else physical_id

    deleted = run(serving("Delete", versions[0], physical_id=pid), runtime)

    assert deleted.status == "SUCCESS"
    assert status(rekognition_client, project_arn, "v2") == "RUNNING"
    assert calls(emulator, "StopProjectVersion") == []


def test_a_redelivered_create_adopts_the_running_version(
    emulator: Emulator, versions: list[str], runtime: Runtime
) -> None:
    request = serving("Create", versions[0])
    on_event(request, None, runtime)  # the first delivery started it; its answer was lost

    again = run(request, runtime)

    assert (again.status, again.physical_id) == ("SUCCESS", versions[0])
    assert calls(emulator, "StartProjectVersion") == ["StartProjectVersion"]


def test_throttling_is_retried_in_on_event_and_waited_out_in_polls(
    emulator: Emulator, rekognition_client: RekognitionClient, project_arn: str, versions: list[str], runtime: Runtime
) -> None:
    emulator.faults.throttle_next(2, "StartProjectVersion")
    emulator.faults.throttle_fraction("DescribeProjectVersions", 0.5, seed=3)

    made = run(serving("Create", versions[0]), runtime)

    emulator.faults.clear()
    assert made.status == "SUCCESS"
    assert status(rekognition_client, project_arn, "v1") == "RUNNING"
    assert emulator.request_log.count("StartProjectVersion", "ThrottlingException") == 2
    assert emulator.request_log.count("StartProjectVersion", "OK") == 1


def test_a_version_that_does_not_exist_fails_naming_it(project_arn: str, runtime: Runtime) -> None:
    missing = f"{project_arn.rsplit('/', 1)[0]}/version/nope/1700000000000"

    made = run(serving("Create", missing), runtime)

    assert made.status == "FAILED"
    assert f"Model version {missing} does not exist" in made.reason


def test_a_failed_training_cannot_be_served(
    emulator: Emulator, rekognition_client: RekognitionClient, project_arn: str, versions: list[str], runtime: Runtime
) -> None:
    emulator.configure(training_failures={"v3": "The manifest has no labels."})
    output = version(rekognition_client, project_arn, "v1")["OutputConfig"]
    arn = rekognition_client.create_project_version(ProjectArn=project_arn, VersionName="v3", OutputConfig=output)[
        "ProjectVersionArn"
    ]

    made = run(serving("Create", arn), runtime)

    assert made.status == "FAILED"
    assert f"Model version {arn} is TRAINING_FAILED (The manifest has no labels.)" in made.reason
