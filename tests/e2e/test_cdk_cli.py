"""The unmodified, pinned CDK CLI against the emulator's CloudFormation API: bootstrap, deploy, diff, update, destroy.

Each step is checked with plain boto3 clients on the emulator: the datasets the stack made, the split, and that
nothing but the bootstrap stack remains after ``cdk destroy --force``.
"""

from __future__ import annotations

import shutil
import sys
from typing import TYPE_CHECKING

import boto3
import pytest

from rekognition_datasets_local.cloudformation import LocalCloud
from rekognition_datasets_local.cloudformation.cdk_cli import cdk_env, run_cdk
from rekognition_datasets_local.emulator import Emulator, EmulatorConfig
from rekognition_datasets_local.runner.assembly import synthesize
from rekognition_datasets_local.runner.resources.base import RunnerConfig
from rekognition_datasets_local.runner.state import STATE_BUCKET

from .conftest import NODE, ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from rekognition_datasets_local.runner.assembly import CloudAssembly

pytestmark = pytest.mark.e2e

STACK = "RekognitionDatasetsExample"
_IMAGES_CONTEXT = "rekognition-datasets-example:images"


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    config = RunnerConfig(interval_factor=0.001, poll_seconds=0.01)
    with LocalCloud(Emulator(EmulatorConfig.instant()), config) as running:
        yield running
        running.emulator.reset()  # moto's state is the process's: leave none to the next test


def _synth(outdir: Path, context: Mapping[str, str] | None = None) -> Path:
    env = {"CDK_VALIDATION": "false", "PATH": f"{NODE}:/usr/bin:/bin"}
    return synthesize(f"{sys.executable} app.py", outdir, cwd=ROOT, env=env, context=context)


def _cdk(env: Mapping[str, str], *args: str) -> str:
    code, output = run_cdk(ROOT, args, env)
    assert code == 0, output
    return output


def _split(env: Mapping[str, str]) -> dict[str, int]:
    """Entries per dataset type of the one project, read with plain boto3."""
    rekognition = boto3.client("rekognition", **_client_args(env, "REKOGNITION"))
    (project,) = rekognition.describe_projects()["ProjectDescriptions"]
    counts = {}
    for dataset in project["Datasets"]:
        description = rekognition.describe_dataset(DatasetArn=dataset["DatasetArn"])["DatasetDescription"]
        counts[dataset["DatasetType"]] = description["DatasetStats"]["TotalEntries"]
    return counts


def _client_args(env: Mapping[str, str], service: str) -> dict[str, str]:
    return {
        "endpoint_url": env[f"AWS_ENDPOINT_URL_{service}"],
        "region_name": env["AWS_DEFAULT_REGION"],
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }


def test_cdk_bootstrap_deploy_diff_update_destroy(cloud: LocalCloud, assembly: CloudAssembly, tmp_path: Path) -> None:
    env = cdk_env(ROOT, cloud.env())
    first = _synth(tmp_path / "cdk.out")
    images = tmp_path / "images"
    shutil.copytree(ROOT / "examples" / "images", images, ignore=shutil.ignore_patterns("stripes"))
    changed = _synth(tmp_path / "cdk.out.changed", {_IMAGES_CONTEXT: str(images)})
    cfn = boto3.client("cloudformation", **_client_args(env, "CLOUDFORMATION"))
    ssm = boto3.client("ssm", **_client_args(env, "SSM"))

    # bootstrap: the CDKToolkit stack, its version parameter real in SSM
    output = _cdk(env, "bootstrap", "--app", str(first), "aws://123456789012/us-east-1")
    assert "Environment aws://123456789012/us-east-1 bootstrapped" in output
    version = ssm.get_parameter(Name="/cdk-bootstrap/hnb659fds/version")["Parameter"]["Value"]
    toolkit = cfn.describe_stacks(StackName="CDKToolkit")["Stacks"][0]
    assert toolkit["StackStatus"] == "CREATE_COMPLETE"
    assert {"Key": "BootstrapVersion", "Value": version} in [
        {"Key": o["OutputKey"], "Value": o["OutputValue"]} for o in toolkit["Outputs"]
    ]

    s3 = boto3.client("s3", **_client_args(env, "S3"))
    s3.head_bucket(Bucket="cdk-hnb659fds-assets-123456789012-us-east-1")  # the staging bucket exists for real

    # deploy: the CLI's own progress display and outputs; 15 images split 12/3
    output = _cdk(env, "deploy", "--app", str(first), STACK)
    assert f"CREATE_COMPLETE         | AWS::CloudFormation::Stack             | {STACK}" in output
    assert f"{STACK}.TrainingEntries = 12" in output and f"{STACK}.TestingEntries = 3" in output
    assert _split(env) == {"TRAIN": 12, "TEST": 3}

    # diff: nothing against the same assembly; the training source against the changed one
    assert "There were no differences" in _cdk(env, "diff", "--app", str(first), STACK)
    output = _cdk(env, "diff", "--app", str(changed), STACK)
    assert "[~] Custom::RekognitionDataset Training/Resource Training1DBE9C16" in output
    assert "Number of stacks with differences: 1" in output

    # deploy again after the change: the datasets converge (10 images split 8/2)
    output = _cdk(env, "deploy", "--app", str(changed), STACK)
    assert f"UPDATE_COMPLETE         | AWS::CloudFormation::Stack             | {STACK}" in output
    assert _split(env) == {"TRAIN": 8, "TEST": 2}

    # destroy: nothing of the stack remains
    output = _cdk(env, "destroy", "--force", "--app", str(changed), STACK)
    assert f"{STACK}: destroyed" in output
    rekognition = boto3.client("rekognition", **_client_args(env, "REKOGNITION"))
    assert rekognition.describe_projects()["ProjectDescriptions"] == []
    live = [s["StackName"] for s in cfn.describe_stacks()["Stacks"]]  # moto's S3 is shared within the process
    assert STACK not in live and "CDKToolkit" in live
    assert s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=f"stacks/{STACK}").get("KeyCount") == 0

    # a failing custom resource: its reason in the CLI's event stream, the stack rolled back, the CLI exits 1
    code, output = run_cdk(ROOT, ["deploy", "--app", str(assembly.directory), "BadManifest"], env)
    assert code == 1, output
    failed = [line for line in output.splitlines() if "CREATE_FAILED" in line and "Custom::RekognitionDataset" in line]
    assert failed and "InvalidS3ObjectException" in failed[0], output
    assert "ROLLBACK_COMPLETE" in output
    assert cfn.describe_stacks(StackName="BadManifest")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    assert rekognition.describe_projects()["ProjectDescriptions"] == []
