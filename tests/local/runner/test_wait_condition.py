"""Wait conditions: a presigned S3 handle, signals counted by UniqueId, failure and timeout, the stack's rules fired
while waiting, and no updates."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_local.runner.engine import Engine, StackFailed
from rekognition_datasets_local.runner.resources.wait_condition import SIGNALS_BUCKET
from rekognition_datasets_local.runner.template import Template

from .runner_toy import calls, toy, toy_template

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("emulator")


def _resources(*, timeout: str = "600", count: int = 1, watchers: int = 1, **watch: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        "Wait": {
            "Type": "AWS::CloudFormation::WaitCondition",
            "Properties": {"Handle": {"Ref": "Handle"}, "Timeout": timeout, "Count": count},
            "DependsOn": [f"Watch{i}" for i in range(watchers)],
        },
        "After": {**toy("after", Data={"Fn::GetAtt": ["Wait", "Data"]}), "DependsOn": ["Wait"]},
        "Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Fn::GetAtt": ["OnEvent", "Arn"]},
                "Principal": "events.amazonaws.com",
            },
        },
    }
    for i in range(watchers):
        resources[f"Watch{i}"] = toy(f"w{i}", WatchHandle={"Ref": "Handle"}, **watch)
    return resources


def _deploy(engine: Engine, log: Path, resources: dict[str, Any]) -> None:
    engine.deploy("Toy", Template.from_dict(toy_template(log, resources)))


def test_rules_fire_until_the_handle_is_signalled_and_data_is_by_unique_id(engine: Engine, tmp_path: Path) -> None:
    # GIVEN two watchers whose rules signal the handle on their 3rd firing (each signal PUT twice), Count 2
    log = tmp_path / "toy.log"
    _deploy(engine, log, _resources(count=2, watchers=2, SignalAfter="3"))
    # THEN the rules fired through the runner's Lambda host until both signalled, and then never again
    watch = [c for c in calls(log) if c[0] == "watch"]
    assert sorted(watch) == [("watch", "Watch", "toy-watch-w0")] * 3 + [("watch", "Watch", "toy-watch-w1")] * 3
    state = engine.store.load("Toy")
    assert state is not None and state.status == "CREATE_COMPLETE"
    wait = state.resources["Wait"]
    # AND Data is one entry per UniqueId (a re-sent signal overwrites), readable by the resources after it
    assert json.loads(wait.attributes["Data"]) == {"w0": "data-w0", "w1": "data-w1"}
    assert state.resources["Handle"].physical_id.startswith("http")
    assert f"/{SIGNALS_BUCKET}/" in state.resources["Handle"].physical_id
    (after,) = [e for e in _events(log) if e["LogicalResourceId"] == "After"]
    assert json.loads(after["ResourceProperties"]["Data"]) == {"w0": "data-w0", "w1": "data-w1"}


def test_a_failure_signal_fails_the_condition_with_its_reason_and_rolls_back(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    with pytest.raises(StackFailed) as failed:
        _deploy(engine, log, _resources(SignalStatus="FAILURE"))
    assert failed.value.failures["Wait"] == "WaitCondition received failed message: 'toy says FAILURE' for uniqueId: w0"
    assert engine.store.load("Toy") is None  # rolled back: the stack is gone
    # AND the handle's signals went with it
    versions = engine.clients.s3.list_object_versions(Bucket=SIGNALS_BUCKET).get("Versions", [])
    assert not [v for v in versions if "/Toy/" in v["Key"]]


def test_no_signal_times_out_on_the_scaled_clock(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    with pytest.raises(StackFailed) as failed:
        _deploy(engine, log, _resources(timeout="60", SignalAfter="1000"))
    assert failed.value.failures["Wait"] == "WaitCondition timed out. Received 0 conditions when expecting 1"


def test_a_wait_condition_cannot_be_updated(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    _deploy(engine, log, _resources())
    with pytest.raises(StackFailed) as failed:
        _deploy(engine, log, _resources(timeout="900"))
    assert "is not supported" in failed.value.failures["Wait"]
    state = engine.store.load("Toy")
    assert state is not None and state.status == "UPDATE_ROLLBACK_COMPLETE"
    assert state.resources["Wait"].properties["Timeout"] == "600"


@pytest.mark.parametrize(
    ("props", "fragment"),
    [({"Timeout": "43201"}, "Timeout"), ({"Timeout": "60", "Count": 0}, "Count"), ({"Timeout": "60"}, "Handle")],
)
def test_bad_properties_fail(engine: Engine, tmp_path: Path, props: dict[str, Any], fragment: str) -> None:
    resources = {"Wait": {"Type": "AWS::CloudFormation::WaitCondition", "Properties": props}}
    if "Count" in props or props["Timeout"] != "60":
        resources["Handle"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
        resources["Wait"]["Properties"]["Handle"] = {"Ref": "Handle"}
    with pytest.raises(StackFailed) as failed:
        _deploy(engine, tmp_path / "toy.log", resources)
    assert fragment in failed.value.failures["Wait"]


def _events(log: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    return [r["event"] for r in rows if r["kind"] == "on_event"]
