"""Model scenarios through synth -> runner -> handler -> emulator: train and gate, a failed gate or training rolls
back, retrain on new data, teardown with and without auto_delete_models, re-delivered events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_local.runner.engine import StackFailed
from rekognition_datasets_local.runner.steps import KILL_VARIABLE

from .conftest import HookPrinter, Ticker, ok_calls
from .models_app import GATE, OUTPUT_BUCKET, PROJECT, STRICT_GATE

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.assembly import CloudAssembly
    from rekognition_datasets_local.runner.session import Session
    from rekognition_datasets_local.runner.state import StackState

pytestmark = pytest.mark.e2e

VERSION_TYPE = "Custom::RekognitionModelVersion"


@pytest.fixture
def output(emulator: Emulator, runner: Session) -> str:
    runner.clients.s3.create_bucket(Bucket=OUTPUT_BUCKET)
    return OUTPUT_BUCKET


def _deploy(session: Session, assembly: CloudAssembly, artifact: str) -> StackState:
    (stack,) = [s for s in assembly.stacks if s.artifact_id == artifact]
    return session.deploy(stack)


def _versions(session: Session) -> dict[str, dict[str, Any]]:
    """Version name -> description of every version of the project."""
    (project,) = session.clients.rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    pages = session.clients.rekognition.get_paginator("describe_project_versions").paginate(
        ProjectArn=project["ProjectArn"]
    )
    found: dict[str, dict[str, Any]] = {}
    for page in pages:
        for version in page["ProjectVersionDescriptions"]:
            found[version["ProjectVersionArn"].split("/")[3]] = dict(version)
    return found


def _version(state: StackState) -> tuple[str, str]:
    """(version name, ARN) of the stack's model version resource."""
    (resource,) = [r for r in state.resources.values() if r.type == VERSION_TYPE]
    return resource.properties["VersionName"], resource.physical_id


def _rules(session: Session) -> list[str]:
    events = session.clients.events
    assert events is not None
    return [rule["Name"] for rule in events.list_rules().get("Rules", [])]


@pytest.mark.usefixtures("output")
def test_train_gate_pass_then_destroy(runner: Session, models_assembly: CloudAssembly, emulator: Emulator) -> None:
    # WHEN a project with a model (gate 0.5, the emulator's trainings reach 0.9) is deployed
    state = _deploy(runner, models_assembly, "ModelsUnserved")
    # THEN one version was trained and settled; the deploy learnt it through the watch rule and the wait condition
    name, arn = _version(state)
    assert _versions(runner)[name]["Status"] == "TRAINING_COMPLETED"
    assert state.outputs["VersionArn"] == arn
    assert float(state.outputs["F1Score"]) == pytest.approx(0.9)
    (condition,) = [r for r in state.resources.values() if r.type == "AWS::CloudFormation::WaitCondition"]
    assert set(json.loads(condition.attributes["Data"])) == {name}
    assert _rules(runner) == []  # the watch deleted its rule once it signalled
    assert len(ok_calls(emulator, "CreateProjectVersion")) == 1
    # AND destroy deletes the version, then the datasets and the project
    assert runner.engine.destroy("Models")
    assert not runner.clients.rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]


@pytest.mark.usefixtures("output")
def test_gate_fail_rolls_back_and_keeps_the_previous_version(
    runner: Session, models_assembly: CloudAssembly, emulator: Emulator
) -> None:
    first = _deploy(runner, models_assembly, "ModelsV1")
    old_name, old_arn = _version(first)
    # WHEN a stricter gate trains a new version (same data) that scores below it
    emulator.configure(training_f1=0.8)
    with pytest.raises(StackFailed) as failed:
        _deploy(runner, models_assembly, "ModelsStrict")
    # THEN the wait condition failed with the score, the gate and the summary's location
    (reason,) = [r for lid, r in failed.value.failures.items() if lid.startswith("ClassifierTraining")]
    assert f"F1 score 0.8 is below min_f1_score {STRICT_GATE}" in reason
    assert f"s3://{OUTPUT_BUCKET}/" in reason
    # AND the rollback kept the previous version serving (and removed the refused one)
    state = runner.engine.store.load("Models")
    assert state is not None and state.status == "UPDATE_ROLLBACK_COMPLETE"
    assert _version(state) == (old_name, old_arn)
    assert {name: v["Status"] for name, v in _versions(runner).items()} == {old_name: "RUNNING"}
    # AND no watch rule is left: the rollback's Update, which adopts the settled old version, signals its (already
    # satisfied) wait condition at once and removes the rule it put, instead of leaving it to fire
    assert _rules(runner) == []


@pytest.mark.usefixtures("output")
def test_training_failure_fails_the_deploy_with_the_status_message(
    runner: Session, models_assembly: CloudAssembly, emulator: Emulator
) -> None:
    emulator.configure(training_failures={"*": "The manifest file contains too many invalid data objects."})
    with pytest.raises(StackFailed) as failed:
        _deploy(runner, models_assembly, "ModelsUnserved")
    (reason,) = [r for lid, r in failed.value.failures.items() if lid.startswith("ClassifierTraining")]
    assert "too many invalid data objects" in reason
    assert runner.engine.store.load("Models") is None  # the create rolled back: nothing is left
    assert not runner.clients.rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]


@pytest.mark.usefixtures("output")
def test_retrain_on_new_data_removes_the_old_version_after_accept(
    runner: Session, models_assembly: CloudAssembly
) -> None:
    old_name, _ = _version(_deploy(runner, models_assembly, "ModelsUnserved"))
    state = _deploy(runner, models_assembly, "ModelsV2Unserved")
    new_name, new_arn = _version(state)
    assert new_name != old_name
    assert state.outputs["VersionArn"] == new_arn
    assert set(_versions(runner)) == {new_name}
    assert float(state.outputs["F1Score"]) >= GATE


@pytest.mark.usefixtures("output")
def test_destroy_with_an_out_of_band_version_fails_without_the_option(
    runner: Session, models_assembly: CloudAssembly
) -> None:
    _deploy(runner, models_assembly, "ModelsUnserved")
    rekognition = runner.clients.rekognition
    (project,) = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    rekognition.create_project_version(
        ProjectArn=project["ProjectArn"],
        VersionName="console-made",
        OutputConfig={"S3Bucket": OUTPUT_BUCKET, "S3KeyPrefix": "console/"},
    )
    with pytest.raises(StackFailed) as failed:
        runner.engine.destroy("Models")
    (reason,) = [r for lid, r in failed.value.failures.items() if lid.startswith("FlowersModelsGuard")]
    assert "console-made" in reason and "auto_delete_models=True" in reason
    # AND nothing of the datasets or the project was deleted: the guard fails before them
    assert set(_versions(runner)) == {"console-made"}
    assert rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"][0].get("Datasets")


@pytest.mark.usefixtures("output")
def test_destroy_with_auto_delete_models_removes_out_of_band_versions(
    runner: Session, models_assembly: CloudAssembly
) -> None:
    _deploy(runner, models_assembly, "ModelsAutoDelete")
    rekognition = runner.clients.rekognition
    (project,) = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    for name in ("console-a", "console-b"):
        rekognition.create_project_version(
            ProjectArn=project["ProjectArn"],
            VersionName=name,
            OutputConfig={"S3Bucket": OUTPUT_BUCKET, "S3KeyPrefix": "console/"},
        )
    assert runner.engine.destroy("Models")
    assert not rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]


@pytest.mark.usefixtures("output")
def test_redelivered_events_train_one_version(
    runner: Session, models_assembly: CloudAssembly, emulator: Emulator
) -> None:
    # GIVEN Lambda delivers the version's Create twice, and the first watch invocation twice
    (stack,) = [s for s in models_assembly.stacks if s.artifact_id == "ModelsUnserved"]
    resources = stack.template().resources
    (version_id,) = [lid for lid, r in resources.items() if r.type == VERSION_TYPE]
    (condition_id,) = [lid for lid, r in resources.items() if r.type == "AWS::CloudFormation::WaitCondition"]
    host = runner.engine.host
    assert isinstance(runner.printer, HookPrinter)
    runner.printer.hooks[(version_id, "CREATE_IN_PROGRESS")] = lambda: host.deliver_twice("OnEvent")
    runner.printer.hooks[(condition_id, "CREATE_IN_PROGRESS")] = lambda: host.deliver_twice("OnEvent")
    state = _deploy(runner, models_assembly, "ModelsUnserved")
    name, _ = _version(state)
    assert set(_versions(runner)) == {name}
    assert len(emulator.request_log.entries("CreateProjectVersion")) == 2  # the second one adopted the first's
    assert len(ok_calls(emulator, "CreateProjectVersion")) == 1


@pytest.mark.usefixtures("output")
def test_served_version_is_replaced_on_retrain_and_stopped_on_destroy(
    runner: Session, models_assembly: CloudAssembly
) -> None:
    old_name, _ = _version(_deploy(runner, models_assembly, "ModelsV1"))
    assert _versions(runner)[old_name]["Status"] == "RUNNING"
    # WHEN new data trains a new version
    new_name, _ = _version(_deploy(runner, models_assembly, "ModelsV2"))
    # THEN the new version serves; the cleanup stopped the old one, then deleted it
    assert {name: v["Status"] for name, v in _versions(runner).items()} == {new_name: "RUNNING"}
    # AND destroy stops the running version before deleting it, then everything else
    assert runner.engine.destroy("Models")
    assert not runner.clients.rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]


@pytest.mark.usefixtures("output")
def test_auto_delete_models_waits_out_a_training_and_stops_a_running_version(
    runner: Session, models_assembly: CloudAssembly, emulator: Emulator
) -> None:
    _deploy(runner, models_assembly, "ModelsAutoDelete")
    rekognition = runner.clients.rekognition
    (project,) = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    output = {"S3Bucket": OUTPUT_BUCKET, "S3KeyPrefix": "console/"}
    running = rekognition.create_project_version(
        ProjectArn=project["ProjectArn"], VersionName="console-running", OutputConfig=output
    )["ProjectVersionArn"]
    rekognition.start_project_version(ProjectVersionArn=running, MinInferenceUnits=1)
    # GIVEN a version made outside the stack that is still training (an hour of emulator time)
    emulator.configure(training_delay=3600.0)
    rekognition.create_project_version(
        ProjectArn=project["ProjectArn"], VersionName="console-training", OutputConfig=output
    )
    statuses = {name: v["Status"] for name, v in _versions(runner).items()}
    assert statuses["console-running"] in ("STARTING", "RUNNING")
    assert statuses["console-training"] == "TRAINING_IN_PROGRESS"
    # WHEN the stack is destroyed while the emulator's time moves on (two minutes every few milliseconds)
    ticker = Ticker(emulator, step=120.0)
    ticker.start()
    try:
        assert runner.engine.destroy("Models")
    finally:
        ticker.stop()
    # THEN every version went (the training one once it settled), then the datasets and the project
    assert not rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]


@pytest.mark.usefixtures("output")
def test_a_deploy_killed_while_its_version_trains_is_destroyed_leaving_nothing(
    runner: Session, models_assembly: CloudAssembly, emulator: Emulator
) -> None:
    """The runner is SIGKILLed the moment the version's Create answered (its ARN not yet recorded) while the
    training runs for an hour of service time: destroy finds the version by its declared name and ownership tags,
    waits out the training, deletes it and its watch rule, then everything else."""
    (stack,) = [s for s in models_assembly.stacks if s.artifact_id == "ModelsUnserved"]
    (version_id,) = [lid for lid, r in stack.template().resources.items() if r.type == VERSION_TYPE]
    emulator.configure(training_delay=3600.0)
    argv = [sys.executable, "-m", "rekognition_datasets_local.cli.main", "deploy", "--assembly"]
    env = {**os.environ, **emulator.env(), KILL_VARIABLE: f"created {version_id}"}
    run = subprocess.run(
        [*argv, str(models_assembly.directory), "ModelsUnserved", "--interval-factor", "0.001"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    (version,) = _versions(runner).values()
    assert version["Status"] == "TRAINING_IN_PROGRESS"
    assert _rules(runner), "the killed deploy had put the training's watch rule"
    ticker = Ticker(emulator, step=120.0)
    ticker.start()
    try:
        assert runner.engine.destroy("Models")
    finally:
        ticker.stop()
    assert not runner.clients.rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    assert _rules(runner) == []
    assert len(ok_calls(emulator, "DeleteProjectVersion")) == 1
