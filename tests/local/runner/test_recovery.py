"""What a rollback records, and runs killed (SIGKILL, a real subprocess) at known steps then recovered.

Each kill test runs the real CLI with ``REKOGNITION_RUNNER_KILL_AT=<step>``: the runner kills itself right
after writing its state ahead of that step. Then the next ``deploy``/``destroy`` (in-process) must finish, and
nothing the stack made may be left.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from rekognition_datasets_local.runner.engine import Engine, StackFailed
from rekognition_datasets_local.runner.lock import StackBusy
from rekognition_datasets_local.runner.steps import KILL_VARIABLE
from rekognition_datasets_local.runner.template import Template

from .runner_toy import events, toy, toy_template

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_local.emulator import Emulator

pytestmark = pytest.mark.usefixtures("emulator")


def _template(log: Path, resources: dict[str, Any]) -> dict[str, Any]:
    return toy_template(log, resources, interval=1, attempts=3)


def deploy(engine: Engine, log: Path, resources: dict[str, Any]) -> Any:
    return engine.deploy("Toy", Template.from_dict(_template(log, resources)))


def on_events(log: Path, request_type: str) -> list[tuple[str, str | None]]:
    sent = [e for e in events(log) if e["RequestType"] == request_type]
    return [(e["LogicalResourceId"], e.get("PhysicalResourceId")) for e in sent]


def killed(tmp_path: Path, command: str, step: str, resources: dict[str, Any] | None = None) -> None:
    """Run ``rekognition-datasets <command>`` on stack Toy in a subprocess that SIGKILLs itself at ``step``."""
    path = tmp_path / "template.json"
    if resources is not None:
        path.write_text(json.dumps(_template(tmp_path / "toy.log", resources)))
    argv = [sys.executable, "-m", "rekognition_datasets_local.cli.main", command, "--template", str(path), "Toy"]
    env = {**os.environ, KILL_VARIABLE: step}
    run = subprocess.run([*argv, "--interval-factor", "0.001"], env=env, capture_output=True, text=True, check=False)
    assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr


# -- item 3: a rollback records what its responses return --------------------------------------------------


def test_rollback_update_records_the_id_it_returns_and_cleans_up_the_one_it_replaced(
    engine: Engine, tmp_path: Path
) -> None:
    # GIVEN A was created as toy-a; an update gives it a new id (toy-a2), then B (after A) fails
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a", Replace="true")})
    failing = {"A": toy("a2", Replace="true"), "B": toy("b", After={"Ref": "A"}, FailOn="Create")}
    with pytest.raises(StackFailed) as failed:
        deploy(engine, log, failing)
    assert failed.value.status == "UPDATE_ROLLBACK_COMPLETE"
    # THEN the rollback Update went to the id the forward Update returned, with the old properties
    assert on_events(log, "Update") == [("A", "toy-a"), ("A", "toy-a2")]
    assert events(log)[-2]["ResourceProperties"]["Name"] == "a"
    # AND the stack records the id the rollback answered, and cleanup deleted the one it replaced
    state = engine.store.load("Toy")
    assert state is not None and state.status == "UPDATE_ROLLBACK_COMPLETE"
    assert state.resources["A"].physical_id == "toy-a"
    assert on_events(log, "Delete") == [("A", "toy-a2")]
    # AND the state is consistent: the old template has no changes, destroy deletes what exists
    before = len(events(log))
    deploy(engine, log, {"A": toy("a", Replace="true")})
    assert len(events(log)) == before
    assert engine.destroy("Toy")
    assert on_events(log, "Delete")[-1] == ("A", "toy-a")


def test_rollback_goes_in_the_previous_templates_order_and_resolves_it_against_the_rolled_back_resources(
    engine: Engine, tmp_path: Path
) -> None:
    # GIVEN B names A's id; the new template drops that and runs B first, A (a new id), then C, which fails
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a", Replace="true"), "B": toy("b", Source={"Ref": "A"})})
    failing = {
        "A": toy("a2", Replace="true", After={"Ref": "B"}),
        "B": toy("b", Source="none"),
        "C": toy("c", After={"Ref": "A"}, FailOn="Create"),
    }
    with pytest.raises(StackFailed) as failed:
        deploy(engine, log, failing)
    assert failed.value.status == "UPDATE_ROLLBACK_COMPLETE"
    # THEN A went back first (the previous template has B need A), and B was sent A's id as it was by then
    rollback = [e for e in events(log) if e["RequestType"] == "Update"][2:]
    assert [e["LogicalResourceId"] for e in rollback] == ["A", "B"]
    assert rollback[1]["ResourceProperties"]["Source"] == "toy-a"
    state = engine.store.load("Toy")
    assert state is not None and state.resources["B"].properties["Source"] == "toy-a"


def test_a_cancelled_update_says_update(engine: Engine, tmp_path: Path) -> None:
    # GIVEN B's update polls far longer than A's update takes to fail
    log = tmp_path / "toy.log"
    resources = {"A": toy("a", V=1), "B": toy("b", V=1)}
    engine.deploy("Toy", Template.from_dict(toy_template(log, resources, interval=100, attempts=1000)))
    changed = {"A": toy("a", V=2, FailOn="Update"), "B": toy("b", V=2, Polls=1000)}
    with pytest.raises(StackFailed) as failed:
        engine.deploy("Toy", Template.from_dict(toy_template(log, changed, interval=100, attempts=1000)))
    assert failed.value.failures["B"] == "Resource update cancelled"
    assert ("B", "UPDATE_FAILED", "Resource update cancelled") in engine.printer.events


# -- item 4: kill -9 at known steps, then deploy/destroy finishes -----------------------------------------


@pytest.mark.parametrize("step", ["create A", "created A", "stack ROLLBACK_IN_PROGRESS"])
def test_killed_create_is_rolled_back_by_the_next_deploy(engine: Engine, tmp_path: Path, step: str) -> None:
    # GIVEN a create killed before A's request, after its answer, or as its rollback began
    log = tmp_path / "toy.log"
    resources = {"A": toy("a"), "B": toy("b", After={"Ref": "A"}, FailOn="Create")}
    killed(tmp_path, "deploy", step, resources if "ROLLBACK" in step else {"A": toy("a")})
    state = engine.store.load("Toy")
    assert state is not None and state.status != "CREATE_COMPLETE"
    # WHEN the same template is deployed again
    deploy(engine, log, {"A": toy("a")})
    # THEN it did not say "no changes": the interrupted create was rolled back (Delete with the id the state
    # held: a made-up one when A's answer was never recorded, for the handler to find by its ownership tags),
    # then the stack was created
    ((lid, physical_id),) = on_events(log, "Delete")
    assert lid == "A" and physical_id is not None
    if "ROLLBACK" in step:
        assert physical_id == "toy-a"
    else:
        assert physical_id.startswith("Toy-A-")
    state = engine.store.load("Toy")
    assert state is not None and state.status == "CREATE_COMPLETE" and state.stable
    assert state.resources["A"].physical_id == "toy-a"


def test_killed_update_is_rolled_back_then_applied(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a", V=1)})
    killed(tmp_path, "deploy", "updated A", {"A": toy("a", V=2)})
    state = engine.store.load("Toy")
    assert state is not None and state.status == "UPDATE_IN_PROGRESS"
    deploy(engine, log, {"A": toy("a", V=2)})
    # the interrupted update (V=2) was rolled back (V=1), then applied again
    assert [e["ResourceProperties"]["V"] for e in events(log) if e["RequestType"] == "Update"] == ["2", "1", "2"]
    state = engine.store.load("Toy")
    assert state is not None and state.status == "UPDATE_COMPLETE" and state.resources["A"].properties["V"] == 2


@pytest.mark.parametrize("step", ["stack UPDATE_ROLLBACK_IN_PROGRESS", "rollback-update A", "rollback-updated A"])
def test_killed_rollback_is_finished_by_destroy(engine: Engine, tmp_path: Path, step: str) -> None:
    # GIVEN an update whose rollback was killed: A got a new id (toy-a2), B failed
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a", Replace="true")})
    failing = {"A": toy("a2", Replace="true"), "B": toy("b", After={"Ref": "A"}, FailOn="Create")}
    killed(tmp_path, "deploy", step, failing)
    # WHEN the stack is destroyed
    assert engine.destroy("Toy")
    # THEN every id A ever held got a Delete, and the stack is gone
    assert {pid for lid, pid in on_events(log, "Delete") if lid == "A"} >= {"toy-a", "toy-a2"}
    assert engine.store.load("Toy") is None


def test_killed_rollback_is_finished_by_the_next_deploy(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "toy.log"
    deploy(engine, log, {"A": toy("a", Replace="true")})
    failing = {"A": toy("a2", Replace="true"), "B": toy("b", After={"Ref": "A"}, FailOn="Create")}
    killed(tmp_path, "deploy", "rollback-update A", failing)
    state = deploy(engine, log, {"A": toy("a", Replace="true")})
    assert state.status == "UPDATE_ROLLBACK_COMPLETE" and state.resources["A"].physical_id == "toy-a"
    assert on_events(log, "Delete") == [("A", "toy-a2")]


@pytest.mark.parametrize("step", ["delete B", "deleted B"])
def test_killed_destroy_is_finished_and_the_next_deploy_never_says_no_changes(
    engine: Engine, tmp_path: Path, step: str
) -> None:
    log = tmp_path / "toy.log"
    resources = {"A": toy("a"), "B": toy("b", After={"Ref": "A"})}
    deploy(engine, log, resources)
    killed(tmp_path, "destroy", step, resources)
    state = engine.store.load("Toy")
    assert state is not None and state.status == "DELETE_IN_PROGRESS"
    deploy(engine, log, resources)
    assert ("Toy", "CREATE_COMPLETE", "") in engine.printer.events
    assert engine.destroy("Toy") and engine.store.load("Toy") is None


def _projects(emulator: Emulator) -> list[str]:
    client = boto3.client("rekognition")
    return [p["ProjectArn"] for p in client.describe_projects()["ProjectDescriptions"]]


@pytest.mark.parametrize("step", ["create P", "created P"])
def test_killed_project_create_is_adopted_by_destroy(
    engine: Engine, emulator: Emulator, tmp_path: Path, step: str
) -> None:
    project = {"Type": "AWS::Rekognition::Project", "Properties": {"ProjectName": "killed"}}
    killed(tmp_path, "deploy", step, {"P": project, "A": toy("a", After={"Ref": "P"})})
    assert engine.destroy("Toy")
    assert _projects(emulator) == []
    assert engine.store.load("Toy") is None


def test_recovery_never_deletes_a_project_named_the_same_that_another_stack_holds(
    engine: Engine, emulator: Emulator, tmp_path: Path
) -> None:
    boto3.client("rekognition").create_project(ProjectName="theirs")
    project = {"Type": "AWS::Rekognition::Project", "Properties": {"ProjectName": "theirs"}}
    killed(tmp_path, "deploy", "create P", {"P": project})
    assert engine.destroy("Toy")
    assert len(_projects(emulator)) == 1


# -- item 4: one run per stack --------------------------------------------------------------------------


def test_a_live_run_holds_the_stack_and_a_dead_ones_lock_is_taken_over(engine: Engine, tmp_path: Path) -> None:
    # GIVEN the stack's lock is held by a live process (of this host)
    log = tmp_path / "toy.log"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        owner = {"pid": other.pid, "host": socket.gethostname(), "command": "deploy", "since": "now", "argv": ""}
        engine.store.ensure_bucket()
        engine.clients.s3.put_object(Bucket=engine.store.bucket, Key="locks/Toy.json", Body=json.dumps(owner))
        # THEN a second run is refused (after a short wait), naming the owner, never telling the user to destroy;
        # nothing was sent
        engine.locks.wait_seconds = 0.2
        for run in (lambda: deploy(engine, log, {"A": toy("a")}), lambda: engine.destroy("Toy")):
            with pytest.raises(StackBusy) as busy:
                run()
            assert f"pid {other.pid}" in str(busy.value) and "destroy" not in str(busy.value)
        assert engine.store.load("Toy") is None and not log.exists()
    finally:
        other.kill()
        other.wait()
    # AND once its owner is dead the lock is stale: taken over, and released at the end
    deploy(engine, log, {"A": toy("a")})
    state = engine.store.load("Toy")
    assert state is not None and state.status == "CREATE_COMPLETE"
    assert "Contents" not in engine.clients.s3.list_objects_v2(Bucket=engine.store.bucket, Prefix="locks/")


def test_a_run_waits_for_a_lock_that_its_owner_is_releasing(engine: Engine, tmp_path: Path) -> None:
    # GIVEN a live owner that releases the stack's lock a moment after the second run asks for it (a deploy that has
    # written CREATE_COMPLETE and is leaving its block, as the CloudFormation API's thread does)
    log = tmp_path / "toy.log"
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "command": "deploy", "since": "now", "argv": ""}
    engine.store.ensure_bucket()
    engine.clients.s3.put_object(Bucket=engine.store.bucket, Key="locks/Toy.json", Body=json.dumps(owner))
    release = threading.Timer(
        0.3, engine.clients.s3.delete_object, kwargs={"Bucket": engine.store.bucket, "Key": "locks/Toy.json"}
    )
    release.start()
    try:
        # THEN the second run waits for it instead of refusing, and runs
        deploy(engine, log, {"A": toy("a")})
    finally:
        release.join()
    state = engine.store.load("Toy")
    assert state is not None and state.status == "CREATE_COMPLETE"
