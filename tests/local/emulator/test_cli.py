"""``rekognition-datasets emulator``: serving in a subprocess, controlling a running emulator, flag errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading

import boto3
import pytest
from botocore.config import Config

from rekognition_datasets_local.cli.main import main

NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})


def _read_env(process: subprocess.Popen[str]) -> dict[str, str]:
    """The ``NAME=value`` lines the emulator prints when ready (waiting at most 60 s for them)."""
    env: dict[str, str] = {}

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            name, _, value = line.strip().partition("=")
            env[name] = value
            if name == "AWS_REGION":
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=60)
    assert "AWS_REGION" in env, f"the emulator did not get ready: {env}"
    return env


@pytest.fixture
def served():
    """A CLI emulator in a subprocess, with a fault armed by flag; yields (process, printed env)."""
    command = [
        sys.executable,
        "-m",
        "rekognition_datasets_local.cli.main",
        "emulator",
        "--delay",
        "0",
        "--throttle-next",
        "CreateProject=1",
        "--log-requests",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process, _read_env(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serves_prints_endpoints_and_stops_cleanly_on_sigterm(served):
    process, env = served
    rekognition = boto3.client(
        "rekognition",
        endpoint_url=env["AWS_ENDPOINT_URL_REKOGNITION"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRY,
    )
    # "export what it printed" is enough: a plain client in a process with only those variables (and no
    # credentials of its own) reaches the emulator's S3
    probe = "import boto3; boto3.client('s3').create_bucket(Bucket='cli-bucket'); print('ok')"
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    run = subprocess.run(
        [sys.executable, "-c", probe], env={**clean, **env}, capture_output=True, text=True, check=False
    )
    assert run.stdout.strip() == "ok", run.stderr[-500:]

    with pytest.raises(rekognition.exceptions.ThrottlingException):
        rekognition.create_project(ProjectName="cli")
    project = rekognition.create_project(ProjectName="cli")["ProjectArn"]
    # the CDK CLI's endpoints are printed too: CloudFormation (the runner's API), STS and SSM (moto)
    other = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    cloudformation = boto3.client("cloudformation", endpoint_url=env["AWS_ENDPOINT_URL_CLOUDFORMATION"], **other)
    assert cloudformation.describe_stacks()["Stacks"] == []
    sts = boto3.client("sts", endpoint_url=env["AWS_ENDPOINT_URL_STS"], **other)
    assert sts.get_caller_identity()["Account"] == "123456789012"
    assert env["AWS_ENDPOINT_URL_SSM"] == env["AWS_ENDPOINT_URL_S3"]
    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=20) == 0
    logged = [json.loads(line) for line in process.stderr.read().splitlines() if line.startswith("{")]
    assert [(e["operation"], e["outcome"]) for e in logged] == [
        ("CreateProject", "ThrottlingException"),
        ("CreateProject", "OK"),
    ]
    assert rekognition.meta.endpoint_url.startswith("http://127.0.0.1:")
    assert project.startswith("arn:aws:rekognition:us-east-1:123456789012:project/cli/")
    assert env["AWS_ENDPOINT_URL_EVENTS"] == env["AWS_ENDPOINT_URL_LAMBDA"] == env["AWS_ENDPOINT_URL_S3"]
    assert env["AWS_ENDPOINT_URL_SCHEDULER"] == env["AWS_ENDPOINT_URL_REKOGNITION"]


def test_sigint_stops_it_too(served):
    process, _ = served

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=20) == 0


def test_control_a_running_emulator(emulator, client, project, capsys):
    dataset = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    url = emulator.rekognition_url

    armed = main(
        [
            "emulator",
            "--control",
            url,
            "--internal-error-next",
            "DescribeProjects=1",
            "--fail-next",
            f"{dataset}=Broken=badly",
        ]
    )
    with pytest.raises(client.exceptions.InternalServerError):
        client.describe_projects()
    client.update_dataset_entries(DatasetArn=dataset, Changes={"GroundTruth": b'{"source-ref":"s3://bucket/x.jpg"}'})
    description = client.describe_dataset(DatasetArn=dataset)["DatasetDescription"]
    capsys.readouterr()
    listed = main(["emulator", "--control", url, "--requests"])
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert armed == listed == 0
    assert (description["Status"], description["StatusMessage"]) == ("UPDATE_FAILED", "Broken=badly")
    assert [entry["operation"] for entry in logged][-2:] == ["UpdateDatasetEntries", "DescribeDataset"]
    assert logged[-2]["params"]["Changes"]["GroundTruth"] == {"size": 34}


def test_control_throttle_slow_delete_advance_and_reset(emulator, client, project):
    url = emulator.rekognition_url
    dataset = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]

    assert main(["emulator", "--control", url, "--delete-dataset", dataset, "--slow", "5"]) == 0
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_dataset(DatasetArn=dataset)
    again = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    assert client.describe_dataset(DatasetArn=again)["DatasetDescription"]["Status"] == "CREATE_IN_PROGRESS"
    assert main(["emulator", "--control", url, "--advance", "5"]) == 0
    assert client.describe_dataset(DatasetArn=again)["DatasetDescription"]["Status"] == "CREATE_COMPLETE"
    assert (
        main(
            [
                "emulator",
                "--control",
                url,
                "--throttle",
                "DescribeProjects=1",
                "--throttle-code",
                "ProvisionedThroughputExceededException",
            ]
        )
        == 0
    )
    with pytest.raises(client.exceptions.ProvisionedThroughputExceededException):
        client.describe_projects()
    assert main(["emulator", "--control", url, "--reset"]) == 0
    assert client.describe_projects()["ProjectDescriptions"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--delay", "bogus=1"], "KIND must be one of"),
        (["--delay", "soon"], "is not a number"),
        (["--throttle-next", "DescribeProjects=many"], "is not a whole number"),
        (["--throttle", "0.5"], "expected OP=FRACTION"),
        (["--fail-next", "no-message"], "expected ARN=MESSAGE"),
        (["--reset"], "need --control URL"),
        (["--host", "0.0.0.0"], "loopback only"),
        (["--throttle-next", "0"], "count must be >= 1"),
        (["--training-f1", "high"], "--training-f1: 'high' is not a number"),
        (["--training-f1", "v1=1.5"], "between 0 and 1"),
        (["--fail-training", "v1"], "expected NAME=MESSAGE"),
        (["--fail-start", "=boom"], "--fail-start '=boom': expected NAME=MESSAGE"),
        (["--throttle", "DescribeDatset=0.5"], "did you mean DescribeDataset"),
        (["--throttle", "describedataset=0.5"], "did you mean DescribeDataset"),
        (["--internal-error-next", "Nonsense=1"], "unknown Rekognition operation 'Nonsense'"),
    ],
)
def test_bad_flags_exit_2_with_a_clear_message(argv, message, capsys):
    assert main(["emulator", *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--port", "--s3-port"])
def test_port_in_use_exits_1(flag, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()

        assert main(["emulator", flag, str(taken.getsockname()[1])]) == 1
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err


def test_unreachable_control_url_exits_1(capsys):
    assert main(["emulator", "--control", "http://127.0.0.1:9", "--reset"]) == 1
    assert "cannot reach" in capsys.readouterr().err


def test_control_refusal_exits_1(emulator, capsys):
    missing = "arn:aws:rekognition:us-east-1:123456789012:project/p/dataset/train/1"

    assert main(["emulator", "--control", emulator.rekognition_url, "--delete-dataset", missing]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_control_sets_training_time_f1s_and_failures(emulator, client, trainable, output):
    url = emulator.rekognition_url
    flags = ["--delay", "training=600", "--training-f1", "0.8", "--training-f1", "my-project/v2=0.6"]

    failures = ["--fail-training", "v3=Out of memory=really", "--fail-start", "*=No capacity"]
    configured = main(["emulator", "--control", url, *flags, *failures])
    for name in ("v1", "v2", "v3"):
        client.create_project_version(ProjectArn=trainable, VersionName=name, OutputConfig=output)
    training = {
        d["Status"] for d in client.describe_project_versions(ProjectArn=trainable)["ProjectVersionDescriptions"]
    }
    advanced = main(["emulator", "--control", url, "--advance", "600"])
    described = client.describe_project_versions(ProjectArn=trainable)["ProjectVersionDescriptions"]

    assert (configured, advanced, training) == (0, 0, {"TRAINING_IN_PROGRESS"})
    assert {d["ProjectVersionArn"].split("/")[-2]: d.get("EvaluationResult", {}).get("F1Score") for d in described} == {
        "v1": 0.8,
        "v2": 0.6,
        "v3": None,
    }
    assert described[0]["StatusMessage"] == "Out of memory=really"
    assert emulator.config.start_failures == {"*": "No capacity"}
