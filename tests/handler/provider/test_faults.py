"""Throttling, internal errors and connection problems: not complete while polling, retried within a budget."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.clients import check_botocore
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.events import STEP_KEY
from rekognition_datasets_handler.provider import is_complete, on_event

from .cfn import event, run

if TYPE_CHECKING:
    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator

    from .conftest import FakeClock


def props(project_arn: str) -> dict[str, Any]:
    return {"ProjectArn": project_arn, "DatasetType": "TRAIN", "Source": {"Type": "empty"}}


@pytest.mark.parametrize("code", ["ThrottlingException", "ProvisionedThroughputExceededException"])
def test_on_event_retries_throttling_with_backoff_then_succeeds(
    code: str, project_arn: str, runtime: Runtime, emulator: Emulator, clock: FakeClock
) -> None:
    emulator.faults.throttle_next(2, operation="CreateDataset", code=code)
    response = run(event("Create", props(project_arn)), runtime)
    assert response.status == "SUCCESS", response.reason
    assert [e.outcome for e in emulator.request_log.entries("CreateDataset")] == [code, code, "OK"]
    assert len(clock.sleeps) == 2 and all(s >= 0 for s in clock.sleeps)


def test_on_event_retries_internal_server_errors(project_arn: str, runtime: Runtime, emulator: Emulator) -> None:
    emulator.faults.internal_error_next(3, operation="CreateDataset")
    response = run(event("Create", props(project_arn)), runtime)
    assert response.status == "SUCCESS", response.reason
    assert [e.outcome for e in emulator.request_log.entries("CreateDataset")] == ["InternalServerError"] * 3 + ["OK"]


def test_budget_exhausted_fails_clearly_and_creates_nothing(
    project_arn: str, runtime: Runtime, emulator: Emulator, clock: FakeClock
) -> None:
    emulator.faults.throttle_fraction("CreateDataset", 1.0)
    response = run(event("Create", props(project_arn)), runtime)
    assert response.status == "FAILED"
    assert "did not succeed within 30 s of retries" in response.reason
    assert "ThrottlingException" in response.reason and "retry the deployment later" in response.reason
    assert emulator.request_log.count("CreateDataset", "OK") == 0
    assert sum(clock.sleeps) <= 30


def _without_step(merged: dict[str, Any]) -> dict[str, Any]:
    """A poll that does not know on_event's step (as crhelper's): it reads the settled dataset's tags."""
    return {k: v for k, v in merged.items() if k != STEP_KEY}


def _made_up_id(merged: dict[str, Any]) -> dict[str, Any]:
    """A poll whose physical id is not the dataset's ARN: it reads the slot (DescribeProjects) first."""
    return {**_without_step(merged), "PhysicalResourceId": "DatasetsStack-TrainingData-1QW2E3R4T5Y6"}


@pytest.mark.parametrize(
    ("arm", "poll_event"),
    [
        (lambda f: f.throttle_next(1, operation="DescribeDataset"), dict),
        (lambda f: f.internal_error_next(1, operation="ListTagsForResource"), _without_step),
        (
            lambda f: f.throttle_next(1, operation="DescribeProjects", code="ProvisionedThroughputExceededException"),
            _made_up_id,
        ),
    ],
    ids=["throttled-describe", "internal-error-tags", "provisioned-throughput"],
)
def test_is_complete_treats_transient_errors_as_not_complete(
    arm: Any, poll_event: Any, project_arn: str, runtime: Runtime, emulator: Emulator
) -> None:
    request = event("Create", props(project_arn))
    merged = poll_event({**request, **on_event(request, None, runtime)})
    arm(emulator.faults)
    assert is_complete(merged, None, runtime) == {"IsComplete": False}
    assert is_complete(merged, None, runtime)["IsComplete"] is True


def test_connection_errors_in_is_complete_mean_not_complete(
    project_arn: str, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = event("Create", props(project_arn))
    merged = {**request, **on_event(request, None, runtime)}
    monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", "http://127.0.0.1:9")  # nothing listens on the discard port
    assert is_complete(merged, None, runtime) == {"IsComplete": False}


def test_old_botocore_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ProviderError, match=r"botocore 1\.34\.0 is too old: CreateDataset needs Tags"):
        check_botocore("1.34.0")
    check_botocore("1.35.0")


def test_dataset_deleted_out_of_band_during_create_is_recreated(
    project_arn: str, runtime: Runtime, emulator: Emulator
) -> None:
    emulator.configure(dataset_create_delay=30)
    request = event("Create", props(project_arn))
    first = on_event(request, None, runtime)["PhysicalResourceId"]
    emulator.faults.delete_dataset(first)
    response = run({**request}, runtime, tick=lambda: emulator.advance_time(20))
    assert response.status == "SUCCESS", response.reason
    assert response.physical_id != first
    assert emulator.request_log.count("CreateDataset", "OK") == 2


def test_slow_transitions_are_waited_out_without_failing(
    project_arn: str, runtime: Runtime, emulator: Emulator, log_stream: Any
) -> None:
    emulator.faults.slow(50)
    response = run(event("Create", props(project_arn)), runtime, tick=lambda: emulator.advance_time(10))
    assert response.status == "SUCCESS", response.reason
    assert response.polls >= 5
    waits = [r for r in map(json.loads, log_stream.getvalue().splitlines()) if r.get("step") == "wait"]
    assert len(waits) == response.polls - 1
    assert {
        "level",
        "timestamp",
        "message",
        "request_id",
        "logical_resource_id",
        "request_type",
        "resource_type",
        "dataset_arn",
    } <= set(waits[0])
