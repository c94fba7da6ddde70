"""Models through the unmodified, pinned CDK CLI and the emulator's CloudFormation API: a deploy that waits for the
training (wait condition signalled by the watch rule), a gate that fails and rolls back, and destroy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

from rekognition_datasets_local.cloudformation import LocalCloud
from rekognition_datasets_local.cloudformation.cdk_cli import cdk_env, run_cdk
from rekognition_datasets_local.emulator import Emulator, EmulatorConfig
from rekognition_datasets_local.runner.resources.base import RunnerConfig

from .conftest import ROOT
from .models_app import OUTPUT_BUCKET, PROJECT, STRICT_GATE
from .test_cdk_cli import _client_args

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from rekognition_datasets_local.runner.assembly import CloudAssembly

pytestmark = pytest.mark.e2e


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    config = RunnerConfig(interval_factor=0.001, poll_seconds=0.01)
    with LocalCloud(Emulator(EmulatorConfig.instant()), config) as running:
        yield running
        running.emulator.reset()  # moto's state is the process's: leave none to the next test


def _cdk(env: Mapping[str, str], *args: str, code: int = 0) -> str:
    returned, output = run_cdk(ROOT, args, env)
    assert returned == code, output
    return output


def _versions(env: Mapping[str, str]) -> dict[str, str]:
    """Version name -> status, read with plain boto3."""
    rekognition = boto3.client("rekognition", **_client_args(env, "REKOGNITION"))
    (project,) = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    described = rekognition.describe_project_versions(ProjectArn=project["ProjectArn"])["ProjectVersionDescriptions"]
    return {v["ProjectVersionArn"].split("/")[3]: v["Status"] for v in described}


def test_cdk_deploys_a_model_waits_for_its_training_refuses_a_strict_gate_and_destroys(
    cloud: LocalCloud, models_assembly: CloudAssembly
) -> None:
    env = cdk_env(ROOT, cloud.env())
    app = str(models_assembly.directory)
    boto3.client("s3", **_client_args(env, "S3")).create_bucket(Bucket=OUTPUT_BUCKET)
    _cdk(env, "bootstrap", "--app", app, "aws://123456789012/us-east-1")

    # deploy: the wait condition holds the stack until the watch rule signals the trained version
    output = _cdk(env, "deploy", "--app", app, "ModelsUnserved")
    assert "CREATE_COMPLETE         | AWS::CloudFormation::WaitCondition" in output, output
    assert "ModelsUnserved.F1Score = 0.9" in output, output
    (trained,) = _versions(env).items()
    assert trained[1] == "TRAINING_COMPLETED"

    # a stricter gate: a new version trains, fails the gate, and the rollback keeps the first one
    output = _cdk(env, "deploy", "--app", app, "ModelsStrict", code=1)
    failed = [line for line in output.splitlines() if "CREATE_FAILED" in line and "WaitCondition" in line]
    assert failed and f"{STRICT_GATE:g}" in failed[0] and "0.9" in failed[0], output
    cfn = boto3.client("cloudformation", **_client_args(env, "CLOUDFORMATION"))
    assert cfn.describe_stacks(StackName="Models")["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert set(_versions(env)) == {trained[0]}  # the version that failed the gate was deleted by the rollback
    events = boto3.client("events", **_client_args(env, "EVENTS"))
    assert events.list_rules(NamePrefix="rekognition-model-watch-")["Rules"] == []

    # destroy: the version, the datasets and the project go
    output = _cdk(env, "destroy", "--force", "--app", app, "ModelsUnserved")
    assert "ModelsUnserved (Models): destroyed" in output, output
    rekognition = boto3.client("rekognition", **_client_args(env, "REKOGNITION"))
    assert rekognition.describe_projects()["ProjectDescriptions"] == []
    assert events.list_rules()["Rules"] == []
    assert "Models" not in [s["StackName"] for s in cfn.describe_stacks()["Stacks"]]
