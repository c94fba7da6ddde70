"""Scenarios 4, 11 and 12: destroy mid-update, deletes that must touch nothing, retained datasets."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING

import pytest

from rekognition_datasets_handler.schema import CREATE_FAILED_MARKER

from .conftest import deploy, ok_calls
from .e2e_app import line

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.assembly import CloudAssembly
    from rekognition_datasets_local.runner.session import Session

    from .conftest import HookPrinter, Ticker

pytestmark = pytest.mark.e2e


def dataset_ids(runner: Session, stack: str) -> tuple[str, str]:
    """(logical id, dataset ARN) of the stack's only dataset."""
    state = runner.engine.store.load(stack)
    assert state is not None
    (resource,) = (r for r in state.resources.values() if r.type == "Custom::RekognitionDataset")
    return resource.logical_id, str(resource.attributes["DatasetArn"])


def test_4_destroy_while_a_dataset_is_update_in_progress_removes_everything(
    runner: Session, assembly: CloudAssembly, emulator: Emulator, ticker: Ticker
) -> None:
    deploy(runner, assembly, "Single")
    logical_id, arn = dataset_ids(runner, "Single")
    # GIVEN the dataset is UPDATE_IN_PROGRESS (an update that takes 30 s of service time)
    emulator.configure(dataset_update_delay=30.0)
    change = json.dumps(line("late-arrival", "rose")) + "\n"
    runner.clients.rekognition.update_dataset_entries(DatasetArn=arn, Changes={"GroundTruth": change.encode()})
    rekognition = runner.clients.rekognition
    assert rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["Status"] == "UPDATE_IN_PROGRESS"
    printer: HookPrinter = runner.printer  # type: ignore[assignment]
    printer.hooks[(logical_id, "DELETE_IN_PROGRESS")] = ticker.start
    # WHEN the stack is destroyed
    assert runner.engine.destroy("Single")
    # THEN the dataset and the project are gone, and so is the stack
    assert rekognition.describe_projects()["ProjectDescriptions"] == []
    assert runner.engine.store.load("Single") is None
    assert [p["DatasetArn"] for p in ok_calls(emulator, "DeleteDataset")] == [arn]


def test_11_delete_with_a_made_up_or_marker_id_touches_nothing(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    # GIVEN the stack also records a resource with a made-up id (its create never answered) and one with the
    # framework's CREATE_FAILED marker (its on_event failed), both with the real dataset's properties
    state = deploy(runner, assembly, "Single")
    logical_id, arn = dataset_ids(runner, "Single")
    for ghost, physical_id in (("Ghost", "Single-Ghost-1A2B3C4D5E6F"), ("Failed", CREATE_FAILED_MARKER)):
        extra = copy.deepcopy(state.resources[logical_id])
        extra.logical_id, extra.physical_id, extra.attributes = ghost, physical_id, {}
        state.resources[ghost] = extra
    runner.engine.store.save(state)
    # WHEN the stack is destroyed
    assert runner.engine.destroy("Single")
    # THEN the made-up id reached the handler and succeeded, the marker never reached it, and only the real
    # dataset was deleted (the third Delete is the project's models guard's)
    deletes = [name for name, request_type in runner.engine.host.invocations if request_type == "Delete"]
    assert len([name for name in deletes if "OnEvent" in name]) == 3
    assert [p["DatasetArn"] for p in ok_calls(emulator, "DeleteDataset")] == [arn]
    assert runner.clients.rekognition.describe_projects()["ProjectDescriptions"] == []


def test_12_retained_dataset_and_project_outlive_the_stack(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    deploy(runner, assembly, "Retained")
    _, arn = dataset_ids(runner, "Retained")
    assert runner.engine.destroy("Retained")
    assert runner.engine.store.load("Retained") is None
    description = runner.clients.rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]
    assert description["DatasetStats"]["TotalEntries"] == 6
    assert ok_calls(emulator, "DeleteDataset") == [] and ok_calls(emulator, "DeleteProject") == []
    printer: HookPrinter = runner.printer  # type: ignore[assignment]
    assert {status for _, status, _ in printer.events if status.startswith("DELETE_SKIPPED")} == {"DELETE_SKIPPED"}
