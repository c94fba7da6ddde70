"""``AWS::SSM::Parameter`` is real in the emulator's SSM: put on create, overwritten on update, deleted on destroy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest

from rekognition_datasets_local.runner.engine import Engine, StackFailed
from rekognition_datasets_local.runner.template import Template

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator


def _stack(value: str, name: str = "/app/version") -> Template:
    return Template.from_dict(
        {
            "Resources": {
                "Version": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {"Name": name, "Type": "String", "Value": value},
                }
            },
            "Outputs": {"Value": {"Value": {"Fn::GetAtt": ["Version", "Value"]}}},
        }
    )


def _ssm(emulator: Emulator) -> Any:
    return boto3.client("ssm", endpoint_url=emulator.env()["AWS_ENDPOINT_URL_SSM"], region_name="us-east-1")


def test_parameter_is_put_overwritten_renamed_and_deleted(engine: Engine, emulator: Emulator) -> None:
    ssm = _ssm(emulator)
    state = engine.deploy("Params", _stack("1"))
    assert ssm.get_parameter(Name="/app/version")["Parameter"]["Value"] == "1"
    assert state.resources["Version"].physical_id == "/app/version" and state.outputs == {"Value": "1"}
    engine.deploy("Params", _stack("2"))
    assert ssm.get_parameter(Name="/app/version")["Parameter"]["Value"] == "2"
    engine.deploy("Params", _stack("2", name="/app/renamed"))  # a new name replaces it; cleanup deletes the old
    assert ssm.get_parameter(Name="/app/renamed")["Parameter"]["Value"] == "2"
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name="/app/version")
    engine.destroy("Params")
    assert ssm.describe_parameters()["Parameters"] == []


def test_a_parameter_that_exists_already_fails_the_create(engine: Engine, emulator: Emulator) -> None:
    _ssm(emulator).put_parameter(Name="/app/version", Value="theirs", Type="String")
    with pytest.raises(StackFailed, match="ParameterAlreadyExists"):
        engine.deploy("Params", _stack("1"))
    assert _ssm(emulator).get_parameter(Name="/app/version")["Parameter"]["Value"] == "theirs"
