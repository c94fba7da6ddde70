"""The engine on hand-written Provider-framework templates: events, physical ids, polling, failures, rollback."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest

from rekognition_datasets_local.runner.engine import Engine, StackFailed
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.template import Template

from .runner_toy import calls, events, toy, toy_template

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("emulator")


def deploy(engine: Engine, log: Path, resources: dict[str, object], **kw: int) -> None:
    engine.deploy("Toy", Template.from_dict(toy_template(log, resources, **kw)))


def test_create_sends_the_cloudformation_event_with_string_properties(engine: Engine, tmp_path: Path) -> None:
    # GIVEN a custom resource with a number, a boolean and a nested list
    log = tmp_path / "toy.log"
    # WHEN the stack is created
    deploy(engine, log, {"A": toy("a", Count=3, Flag=True, Items=[1, {"K": False}])})
    # THEN on_event got CloudFormation's event shape, every leaf a string, ServiceToken inside the properties
    (event,) = events(log)
    assert event["RequestType"] == "Create"
    assert event["ResourceProperties"]["Count"] == "3"
    assert event["ResourceProperties"]["Flag"] == "true"
    assert event["ResourceProperties"]["Items"] == ["1", {"K": "false"}]
    assert event["ResourceProperties"]["ServiceToken"] == event["ServiceToken"]
    assert event["StackId"].startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/Toy/")
    assert event["ResponseURL"].startswith("https://")
    assert {"RequestId", "LogicalResourceId", "ResourceType"} <= set(event)
    assert "PhysicalResourceId" not in event
    # AND the resource has the id on_event chose and the Data is_complete returned
    state = engine.store.load("Toy")
    assert state is not None and state.status == "CREATE_COMPLETE"
    assert state.resources["A"].physical_id == "toy-a"
    assert state.resources["A"].attributes["Echo"] == "a"


def test_is_complete_is_polled_until_complete(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a", Polls=2)})
    assert calls(log) == [("on_event", "Create", "A")] + [("is_complete", "Create", "A")] * 3


def test_is_complete_times_out_after_max_attempts_and_rolls_back(engine: Engine, tmp_path: Path) -> None:
    # GIVEN a resource that needs more polls than the waiter's 1 + 2 attempts
    log = tmp_path / "toy.log"
    with pytest.raises(StackFailed) as failed:
        deploy(engine, log, {"A": toy("a", Polls=10)}, attempts=2)
    # THEN the reason is the framework's, and rollback sent Delete with the id on_event returned
    assert failed.value.failures == {"A": "Operation timed out"}
    assert failed.value.status == "ROLLBACK_COMPLETE"
    assert calls(log).count(("is_complete", "Create", "A")) == 3
    deletes = [e for e in events(log) if e["RequestType"] == "Delete"]
    assert [e["PhysicalResourceId"] for e in deletes] == ["toy-a"]
    assert engine.store.load("Toy") is None


def test_on_event_failure_on_create_answers_the_marker_and_skips_the_rollback_delete(
    engine: Engine, tmp_path: Path
) -> None:
    log = tmp_path / "toy.log"
    with pytest.raises(StackFailed) as failed:
        deploy(engine, log, {"A": toy("a", FailOn="Create")})
    # the reason ends with the function's last log lines (the runtime logged the unhandled exception)
    reason = failed.value.failures["A"]
    assert reason.startswith("toy refuses Create\n\nLast ") and "log line(s) of /aws/lambda/Toy-OnEvent-" in reason
    assert "[ERROR] " in reason and "toy refuses Create" in reason.split("\n\n", 1)[1]
    # the framework answers the rollback Delete of the CREATE_FAILED marker itself
    assert calls(log) == [("on_event", "Create", "A")]
    assert engine.store.load("Toy") is None
    assert ("A", "DELETE_COMPLETE", "") in engine.printer.events


def test_data_while_incomplete_fails(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(StackFailed) as failed:
        deploy(engine, tmp_path / "toy.log", {"A": toy("a", DataWhileIncomplete="true")})
    assert failed.value.failures["A"] == '"Data" is not allowed if "IsComplete" is "False"'


def test_redeploy_without_changes_sends_nothing(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a")})
    before = calls(log)
    deploy(engine, log, {"A": toy("a")})
    assert calls(log) == before


def test_update_in_place_keeps_the_id_and_sends_old_properties(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a", V=1), "B": toy("b")})
    deploy(engine, log, {"A": toy("a", V=2), "B": toy("b")})
    update = events(log)[-1]
    assert (update["RequestType"], update["LogicalResourceId"]) == ("Update", "A")
    assert update["PhysicalResourceId"] == "toy-a"
    assert update["OldResourceProperties"]["V"] == "1"
    assert update["ResourceProperties"]["V"] == "2"
    assert [c for c in calls(log) if c[2] == "B"] == [("on_event", "Create", "B"), ("is_complete", "Create", "B")]
    state = engine.store.load("Toy")
    assert state is not None and state.status == "UPDATE_COMPLETE"


def test_new_physical_id_on_update_replaces_and_deletes_the_old_in_cleanup(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a")})
    deploy(engine, log, {"A": toy("a2", Replace="true")})
    on_events = [(e["RequestType"], e.get("PhysicalResourceId")) for e in events(log)]
    assert on_events == [("Create", None), ("Update", "toy-a"), ("Delete", "toy-a")]
    state = engine.store.load("Toy")
    assert state is not None and state.resources["A"].physical_id == "toy-a2"


def test_failed_update_rolls_back_with_the_old_properties(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a", V=1)})
    with pytest.raises(StackFailed) as failed:
        deploy(engine, log, {"A": toy("a", V=2, FailPollOn="Update"), "New": toy("n", DependsOnNothing=1)})
    assert failed.value.status == "UPDATE_ROLLBACK_COMPLETE"
    updates = [e for e in events(log) if e["RequestType"] == "Update"]
    assert [u["ResourceProperties"].get("V") for u in updates] == ["2", "1"]
    assert updates[1]["OldResourceProperties"]["V"] == "2"
    # the resource created during the failed update was deleted
    assert [e["LogicalResourceId"] for e in events(log) if e["RequestType"] == "Delete"] == ["New"]
    state = engine.store.load("Toy")
    assert state is not None and state.resources["A"].properties["V"] == 1 and "New" not in state.resources


def test_changing_the_id_on_delete_fails(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a", ChangeIdOnDelete="true")})
    with pytest.raises(StackFailed) as failed:
        engine.destroy("Toy")
    assert "cannot change the physical resource ID" in failed.value.failures["A"]


def test_destroy_goes_in_reverse_order_and_keeps_retained(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    keep = {**toy("k"), "DeletionPolicy": "Retain"}
    deploy(engine, log, {"A": toy("a"), "B": {**toy("b", After={"Ref": "A"})}, "K": keep})
    assert engine.destroy("Toy") is True
    deletes = [e["LogicalResourceId"] for e in events(log) if e["RequestType"] == "Delete"]
    assert deletes == ["B", "A"]
    assert ("K", "DELETE_SKIPPED", "") in engine.printer.events
    assert engine.store.load("Toy") is None
    assert engine.destroy("Toy") is False


def test_a_failed_delete_keeps_what_it_depends_on(engine: Engine, tmp_path: Path) -> None:
    # GIVEN B depends on A, and B refuses its Delete
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a"), "B": toy("b", After={"Ref": "A"}, FailOn="Delete"), "C": toy("c")})
    with pytest.raises(StackFailed) as failed:
        engine.destroy("Toy")
    # THEN A was never sent a Delete (B still needs it); the unrelated C was deleted
    assert set(failed.value.failures) == {"B"}
    deletes = [e["LogicalResourceId"] for e in events(log) if e["RequestType"] == "Delete"]
    assert sorted(deletes) == ["B", "C"]
    state = engine.store.load("Toy")
    assert state is not None and state.status == "DELETE_FAILED"
    assert {"A", "B"} <= set(state.resources) and "C" not in state.resources


def test_removed_resource_is_deleted_in_cleanup(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a"), "B": toy("b")})
    deploy(engine, log, {"A": toy("a")})
    assert [(e["RequestType"], e["LogicalResourceId"]) for e in events(log)][-1] == ("Delete", "B")


def test_worker_death_redelivers_the_event(engine: Engine, tmp_path: Path) -> None:
    # GIVEN the on_event worker dies right after its first S3 call, before answering
    log = tmp_path / "toy.log"
    engine.host.crash_after("OnEvent", "ListBuckets")
    # WHEN the stack is created
    deploy(engine, log, {"A": toy("a", TouchS3="true")})
    # THEN Lambda re-delivered the same event (same RequestId) and the second delivery answered
    first, second = events(log)
    assert first["RequestId"] == second["RequestId"]
    state = engine.store.load("Toy")
    assert state is not None and state.resources["A"].physical_id == "toy-a"


def test_handler_runs_from_its_bundle_not_the_source_tree(engine: Engine, tmp_path: Path) -> None:
    # the worker must not see the project's editable install: rekognition_datasets_handler is not in the toy bundle
    log = tmp_path / "toy.log"
    with pytest.raises(StackFailed) as failed:
        deploy(engine, log, {"A": toy("a", Import="rekognition_datasets_handler")})
    assert "No module named 'rekognition_datasets_handler'" in failed.value.failures["A"]


def test_progress_counter_goes_on_through_cleanup(engine: Engine, tmp_path: Path) -> None:
    # GIVEN a deployed stack, and an update that removes a resource (deleted in cleanup)
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a"), "B": toy("b")})
    stream = io.StringIO()
    engine.printer = Printer(stream)
    deploy(engine, log, {"A": toy("a")})
    # THEN the n/N counter never goes back (it used to restart at 0/1 for the cleanup's Delete)
    counters = [int(line.split(" | ")[1].split("/")[0]) for line in stream.getvalue().splitlines() if "/" in line]
    assert any("DELETE_COMPLETE" in line for line in stream.getvalue().splitlines())
    assert counters == sorted(counters) and counters[-1] > 0
