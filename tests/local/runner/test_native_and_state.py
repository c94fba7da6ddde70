"""Native projects through the emulator, replacement rules, conditions, policies and the S3-held state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_local.runner.engine import Engine, StackFailed
from rekognition_datasets_local.runner.state import ResourceState, StackState, StateStore
from rekognition_datasets_local.runner.template import Template

from .runner_toy import events, toy, toy_template

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_local.emulator import Emulator


def project(name: str, **extra: Any) -> dict[str, Any]:
    return {"Type": "AWS::Rekognition::Project", "Properties": {"ProjectName": name}, **extra}


def names(emulator: Emulator) -> list[str]:
    import boto3

    env = emulator.env()
    client = boto3.client("rekognition", endpoint_url=env["AWS_ENDPOINT_URL_REKOGNITION"], region_name="us-east-1")
    return sorted(p["ProjectArn"].split("/")[1] for p in client.describe_projects()["ProjectDescriptions"])


def deploy(engine: Engine, resources: dict[str, Any], **extra: Any) -> StackState:
    return engine.deploy("Native", Template.from_dict({"Resources": resources, **extra}))


def test_project_ref_is_its_name_and_getatt_arn_its_arn(engine: Engine, emulator: Emulator, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    template = toy_template(
        log, {"P": project("p1"), "A": toy("a", Project={"Ref": "P"}, Arn={"Fn::GetAtt": ["P", "Arn"]})}
    )
    engine.deploy("Native", Template.from_dict(template))
    (event,) = events(log)
    assert event["ResourceProperties"]["Project"] == "p1"
    assert event["ResourceProperties"]["Arn"].startswith("arn:aws:rekognition:us-east-1:123456789012:project/p1/")
    assert names(emulator) == ["p1"]


def test_project_name_change_replaces_it_and_deletes_the_old_one_in_cleanup(engine: Engine, emulator: Emulator) -> None:
    deploy(engine, {"P": project("p1")})
    state = deploy(engine, {"P": project("p2")})
    assert state.resources["P"].physical_id == "p2"
    assert names(emulator) == ["p2"]
    assert [e.params["ProjectArn"].split("/")[1] for e in emulator.request_log.entries("DeleteProject")] == ["p1"]


def test_update_replace_policy_retain_keeps_the_replaced_project(engine: Engine, emulator: Emulator) -> None:
    deploy(engine, {"P": project("p1", UpdateReplacePolicy="Retain")})
    deploy(engine, {"P": project("p2", UpdateReplacePolicy="Retain")})
    assert names(emulator) == ["p1", "p2"]


def test_existing_project_name_fails_the_create_and_rolls_back(engine: Engine, emulator: Emulator) -> None:
    deploy(engine, {"P": project("taken")})
    with pytest.raises(StackFailed) as failed:
        engine.deploy("Other", Template.from_dict({"Resources": {"Q": project("taken"), "R": project("fresh")}}))
    assert failed.value.failures["Q"] == "taken already exists"
    assert names(emulator) == ["taken"]
    assert engine.store.load("Other") is None


def test_false_conditions_skip_resources(engine: Engine, emulator: Emulator) -> None:
    deploy(
        engine,
        {"P": project("p1"), "Q": project("q1", Condition="Never")},
        Conditions={"Never": {"Fn::Equals": [{"Ref": "AWS::Region"}, "mars-1"]}},
    )
    assert names(emulator) == ["p1"]


def test_service_token_cannot_change(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    engine.deploy("Toy", Template.from_dict(toy_template(log, {"A": toy("a")})))
    moved = toy("a")
    moved["Properties"]["ServiceToken"] = {"Fn::GetAtt": ["OnEvent", "Arn"]}
    with pytest.raises(StackFailed) as failed:
        engine.deploy("Toy", Template.from_dict(toy_template(log, {"A": moved})))
    assert failed.value.failures["A"] == "Modifying service token is not allowed."
    assert failed.value.status == "UPDATE_ROLLBACK_COMPLETE"


def test_state_round_trips_through_s3(engine: Engine) -> None:
    store = StateStore(engine.clients.s3, bucket="state-roundtrip")
    state = StackState(
        stack_name="S",
        stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/S/1",
        status="CREATE_COMPLETE",
        template={"Resources": {"A": {"Type": "T"}}},
        resources={"A": ResourceState("A", "T", "a-1", {"K": [1, {"V": True}]}, {"Arn": "arn:a"}, depends_on=["B"])},
        outputs={"O": "v"},
    )
    assert store.load("S") is None and store.stack_names() == []
    store.save(state)
    assert store.load("S") == state
    assert store.stack_names() == ["S"]
    store.delete("S")
    assert store.load("S") is None
