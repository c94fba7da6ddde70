"""Scenarios 7, 8, 9 and 14: duplicate and re-delivered events, throttling and internal errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .conftest import deploy, ok_calls

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.assembly import CloudAssembly
    from rekognition_datasets_local.runner.session import Session

pytestmark = pytest.mark.e2e

#: Every Rekognition operation the handler may call.
OPERATIONS = (
    "DescribeProjects",
    "DescribeDataset",
    "CreateDataset",
    "DeleteDataset",
    "UpdateDatasetEntries",
    "ListDatasetEntries",
    "ListDatasetLabels",
    "DistributeDatasetEntries",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
)


def single_dataset(runner: Session) -> dict[str, object]:
    (project,) = runner.clients.rekognition.describe_projects(ProjectNames=["e2e-single"])["ProjectDescriptions"]
    (dataset,) = project["Datasets"]
    description = runner.clients.rekognition.describe_dataset(DatasetArn=dataset["DatasetArn"])
    return dict(description["DatasetDescription"])


def test_7_the_same_create_event_delivered_twice_makes_one_dataset(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    runner.engine.host.deliver_twice("OnEvent")
    deploy(runner, assembly, "Single")
    assert single_dataset(runner)["DatasetStats"]["TotalEntries"] == 8  # type: ignore[index]
    assert len(ok_calls(emulator, "CreateDataset")) == 1
    on_events = [request_type for name, request_type in runner.engine.host.invocations if "OnEvent" in name]
    assert on_events == ["Create"] * 3  # the dataset's twice, then the project's models guard's


def test_8_handler_dies_after_create_dataset_and_the_redelivered_event_adopts(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    # GIVEN the on_event worker dies right after CreateDataset succeeded, before answering
    runner.engine.host.crash_after("OnEvent", "CreateDataset")
    # WHEN the stack is deployed
    state = deploy(runner, assembly, "Single")
    # THEN Lambda re-delivered the event, the handler adopted the dataset it had created: one dataset, complete
    assert state.status == "CREATE_COMPLETE"
    assert len(ok_calls(emulator, "CreateDataset")) == 1
    assert single_dataset(runner)["DatasetStats"]["TotalEntries"] == 8  # type: ignore[index]
    on_events = [r for r in runner.engine.host.invocations if "OnEvent" in r[0]]
    assert on_events == [on_events[0]] * 3  # the dataset's twice, then the project's models guard's


def test_9_half_of_all_calls_throttled_while_polling_succeeds_without_duplicate_changes(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    for seed, operation in enumerate(OPERATIONS):
        emulator.faults.throttle_fraction(operation, 0.5, seed=seed)
    deploy(runner, assembly, "Single")
    assert single_dataset(runner)["DatasetStats"]["TotalEntries"] == 8  # type: ignore[index]
    throttled = [e for e in emulator.request_log.entries() if e.outcome == "ThrottlingException"]
    assert throttled
    assert len(ok_calls(emulator, "CreateDataset")) == 1
    assert len(ok_calls(emulator, "UpdateDatasetEntries")) == 1


def test_14_internal_server_error_on_create_dataset_is_retried(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    emulator.faults.internal_error_next(1, "CreateDataset")
    state = deploy(runner, assembly, "Single")
    assert state.status == "CREATE_COMPLETE"
    outcomes = [e.outcome for e in emulator.request_log.entries("CreateDataset")]
    assert outcomes == ["InternalServerError", "OK"]
