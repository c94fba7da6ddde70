"""Chaos (issue 11): random sequences of stack changes under injected faults keep the two promises.

A hypothesis state machine deploys variants of stack ``Chaos`` (``chaos_model.VARIANTS``: sources of every kind,
entries added and removed, splits, tags, removal policies, datasets and a project added and removed) through
the real path (synthesized assembly -> runner -> handler -> emulator), with throttling, internal errors, failed
imports and runner SIGKILLs at named steps. After every step:

- a deploy that succeeded: each declared dataset holds exactly its declared entries (a split's two datasets
  together hold the training source, without overlap), tags are the declared ones, nothing undeclared exists,
  and the runner's state names what the service holds (nothing MISSING);
- a deploy that failed and rolled back: the same holds for the PREVIOUS declaration (nothing lost);
- a killed run: the next deploy (or destroy) finishes it, then the same holds;
- destroy: only what the stack retained remains.

``make test`` runs a short derandomized run; ``make soak`` a long one (``CHAOS_EXAMPLES``, ``CHAOS_STEPS``,
``--hypothesis-seed``); the totals are printed at the end of the run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from rekognition_datasets_handler.schema import RESERVED_TAG_PREFIX
from rekognition_datasets_local.runner.engine import StackFailed
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.session import Session, open_session
from rekognition_datasets_local.runner.steps import KILL_VARIABLE
from rekognition_datasets_local.runner.summary import dataset_rows

from .chaos_model import (
    ENTRY_SETS,
    FOLDER_IMAGES,
    MANIFEST_BUCKET,
    PROJECT_P,
    PROJECT_Q,
    STACK,
    TAG_KEY,
    VARIANTS,
    Variant,
    artifact,
    manifest_text,
)
from .conftest import CONFIG, ROOT

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.assembly import CloudAssembly

pytestmark = pytest.mark.e2e

SOAK = os.environ.get("CHAOS_SOAK") == "1"
#: Totals of every run in this process (printed by the soak; the README quotes them).
TOTALS: Counter[str] = Counter()

#: Operations the handler calls, for throttling and internal errors.
OPERATIONS = (
    "CreateDataset",
    "DeleteDataset",
    "DescribeDataset",
    "DescribeProjects",
    "UpdateDatasetEntries",
    "ListDatasetEntries",
    "DistributeDatasetEntries",
    "TagResource",
    "ListTagsForResource",
    "CreateProject",
    "DeleteProject",
)
#: Constructs whose resources a kill may interrupt, by construct id.
CONSTRUCTS = ("P", "PTrain", "PTest", "Split", "Q", "QTrain")
#: Engine steps (``runner.steps``) a kill may hit.
ACTIONS = ("create", "created", "update", "updated", "delete", "deleted", "rollback-update", "rollback-updated")


# -- what the service holds ----------------------------------------------------------------------------------

Entries = dict[str, frozenset[str]]


def entries(rekognition: RekognitionClient, arn: str) -> Entries:
    """Image file name -> labels of every entry of a dataset."""
    found: Entries = {}
    for page in rekognition.get_paginator("list_dataset_entries").paginate(DatasetArn=arn):
        for text in page["DatasetEntries"]:
            entry = json.loads(text)
            name = PurePosixPath(entry["source-ref"]).name
            found[name] = frozenset(k for k in entry if k != "source-ref" and not k.endswith("-metadata"))
    return found


def project_name(arn: str) -> str:
    """The name in a project ARN (``arn:...:project/<name>/<creation time>``)."""
    return arn.split("/")[1]


def user_tags(rekognition: RekognitionClient, arn: str) -> dict[str, str]:
    tags = rekognition.list_tags_for_resource(ResourceArn=arn).get("Tags", {})
    return {k: v for k, v in tags.items() if not k.startswith((RESERVED_TAG_PREFIX, "aws:"))}


class Expected:
    """The entries each source kind declares (the image folder's by file name: the handler stages each image under
    its path in the folder)."""

    def __init__(self, outdir: Path) -> None:
        folder = Path(outdir).parent / "chaos-sources" / "images"
        self.folder: Entries = {
            image.name: frozenset({label}) for label in FOLDER_IMAGES for image in (folder / label).iterdir()
        }

    def of(self, kind: str, variant: Variant) -> Entries:
        if kind == "empty":
            return {}
        if kind == "folder":
            return self.folder
        if kind == "copy":
            assert variant.train is not None
            return self.of(variant.train, variant)
        counts = ENTRY_SETS[kind.partition("-")[2]]
        return {f"{label}-{i}.jpg": frozenset({label}) for label, numbers in counts.items() for i in numbers}


# -- the machine ----------------------------------------------------------------------------------------------


class ChaosMachine(RuleBasedStateMachine):
    """One stack through a sequence of deploys, faults, kills and destroys."""

    emulator: Emulator
    assembly: CloudAssembly
    workdir: Path

    def __init__(self) -> None:
        super().__init__()
        self.emulator.reset()
        self.expected = Expected(self.assembly.directory)
        self._exit = contextlib.ExitStack()
        self.session: Session = self._exit.enter_context(
            open_session(env=self.emulator.env(), config=CONFIG, printer=Printer(io.StringIO()), workdir=self.workdir)
        )
        s3 = self.session.clients.s3
        s3.create_bucket(Bucket=MANIFEST_BUCKET)
        for name in ENTRY_SETS:
            s3.put_object(Bucket=MANIFEST_BUCKET, Key=f"{name}.manifest", Body=manifest_text(name).encode())
        self.current: Variant | None = None
        self.logical_ids = self._logical_ids()

    def _logical_ids(self) -> dict[str, str]:
        """Construct id -> logical id of its custom resource (the same in every variant)."""
        found: dict[str, str] = {}
        for stack in self.assembly.stacks:
            for lid in stack.template().body["Resources"]:
                construct = re.fullmatch(r"(\w+?)[0-9A-F]{8}", lid)
                if construct and construct[1] in CONSTRUCTS:
                    found[construct[1]] = lid
        return found

    def teardown(self) -> None:
        try:
            if self.current is not None:
                self.destroy(kill=None)
        finally:
            self._exit.close()

    # -- rules ------------------------------------------------------------------------------------------------

    @initialize(index=st.sampled_from([i for i, variant in enumerate(VARIANTS) if variant.train]))
    def created_killed(self, index: int) -> None:
        """Every sequence starts with a create whose runner is killed once TRAIN's Create was answered."""
        self.deploy_killed(index, "created", "PTrain", failed_import=False)

    @rule(
        index=st.integers(0, len(VARIANTS) - 1),
        fault=st.one_of(
            st.none(),
            st.tuples(st.just("throttle"), st.sampled_from(OPERATIONS), st.integers(2, 6), st.integers(0, 99)),
            st.tuples(st.just("internal"), st.sampled_from(OPERATIONS), st.integers(1, 3), st.just(0)),
            st.tuples(st.just("failed-import"), st.just(""), st.just(0), st.just(0)),
        ),
    )
    def deploy(self, index: int, fault: tuple[str, str, int, int] | None) -> None:
        """Deploy a variant, maybe with a fault armed; a failure must roll back to the previous declaration."""
        if fault is not None:
            kind, operation, amount, seed = fault
            TOTALS[f"fault {kind}"] += 1
            if kind == "throttle":
                self.emulator.faults.throttle_fraction(operation, amount / 10, seed=seed)
            elif kind == "internal":
                self.emulator.faults.internal_error_next(amount, operation)
            else:
                self.emulator.faults.fail_next("*", "chaos: the import failed")
        (stack,) = [s for s in self.assembly.stacks if s.artifact_id == artifact(index)]
        try:
            self.session.deploy(stack)
        except StackFailed as failed:
            self._failed(failed.status)
        else:
            self._succeeded(VARIANTS[index])
        finally:
            self.emulator.faults.clear()

    @rule(
        index=st.integers(0, len(VARIANTS) - 1),
        action=st.sampled_from(ACTIONS),
        construct=st.sampled_from(CONSTRUCTS),
        failed_import=st.booleans(),
    )
    def deploy_killed(self, index: int, action: str, construct: str, failed_import: bool) -> None:
        """Deploy a variant in a runner SIGKILLed at a step; the next deploy of it must finish the job."""
        if failed_import:
            TOTALS["fault failed-import"] += 1
            self.emulator.faults.fail_next("*", "chaos: the import failed")
        run = self._run(artifact(index), "deploy", f"{action} {self.logical_ids[construct]}")
        self.emulator.faults.clear()
        if run.returncode == 0:
            self._succeeded(VARIANTS[index])
            return
        if run.returncode == 1:  # not killed: the deploy failed (chaos_run printed the stack's status last)
            self._failed(run.stderr.strip().splitlines()[-1])
            return
        TOTALS["runner killed"] += 1
        (stack,) = [s for s in self.assembly.stacks if s.artifact_id == artifact(index)]
        self.session.deploy(stack)
        self._succeeded(VARIANTS[index])

    @rule(kill=st.one_of(st.none(), st.sampled_from(CONSTRUCTS)))
    def destroy(self, kill: str | None) -> None:
        """Destroy the stack (maybe killing the runner at a Delete, then destroying again): only retained remain."""
        TOTALS["steps"] += 1
        if (
            kill is not None
            and self._run("-", "destroy", f"delete {self.logical_ids[kill]}").returncode == -signal.SIGKILL
        ):
            TOTALS["runner killed"] += 1
        self.session.engine.destroy(STACK)
        assert self.session.engine.store.load(STACK) is None
        retained = self.current is not None and self.current.q_retain
        self._check_projects(set(), retained_q=retained)
        self.current = None

    # -- outcomes ---------------------------------------------------------------------------------------------

    def _succeeded(self, variant: Variant) -> None:
        TOTALS["steps"] += 1
        dropped_q = self.current is not None and self.current.q_retain and not variant.q
        self.current = variant
        self._check_projects({PROJECT_P} | ({PROJECT_Q} if variant.q else set()), retained_q=dropped_q)

    def _failed(self, status: str) -> None:
        TOTALS["steps"] += 1
        TOTALS["failed steps"] += 1
        assert status in ("UPDATE_ROLLBACK_COMPLETE", "ROLLBACK_COMPLETE"), f"the rollback failed: {status}"
        if status == "ROLLBACK_COMPLETE":
            assert self.current is None
        self._check_projects(
            set() if self.current is None else {PROJECT_P} | ({PROJECT_Q} if self.current.q else set())
        )

    def _run(self, name: str, command: str, step: str) -> subprocess.CompletedProcess[str]:
        """Run a deploy/destroy in a subprocess that SIGKILLs itself at ``step`` (exit -9) if it gets there."""
        env = {**os.environ, **self.emulator.env(), KILL_VARIABLE: step, "PYTHONPATH": str(ROOT / "tests")}
        argv = [sys.executable, "-m", "e2e.chaos_run", str(self.assembly.directory), name, command]
        run = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        assert run.returncode in (0, 1, -signal.SIGKILL), run.stderr[-2000:]
        return run

    # -- checks -----------------------------------------------------------------------------------------------

    def _check_projects(self, declared: set[str], *, retained_q: bool = False) -> None:
        """Exactly the declared projects exist (plus Q when the stack just let go of a retained Q, removed then)."""
        rekognition = self.session.clients.rekognition
        projects = {project_name(p["ProjectArn"]): p for p in rekognition.describe_projects()["ProjectDescriptions"]}
        if retained_q and PROJECT_Q not in declared:
            assert PROJECT_Q in projects, "a retained project was deleted"
            _delete_project(rekognition, projects.pop(PROJECT_Q)["ProjectArn"])
        assert set(projects) == declared, f"projects {sorted(projects)}, declared {sorted(declared)}"

    @invariant()
    def declared_entries_tags_and_state(self) -> None:
        """Each declared dataset holds its declared entries and tags; the runner's state names what exists."""
        variant = self.current
        state = self.session.engine.store.load(STACK)
        if variant is None:
            assert state is None
            return
        assert state is not None and state.stable, f"stack {state and state.status} is not stable"
        rekognition = self.session.clients.rekognition
        rows = dataset_rows(rekognition, state)
        assert all(row.status != "MISSING" for row in rows), rows
        held = {row.arn for row in rows}
        slots = {
            (PROJECT_P, "TRAIN"): variant.train,
            (PROJECT_P, "TEST"): variant.test,
            (PROJECT_Q, "TRAIN"): variant.q,
        }
        found: dict[tuple[str, str], Entries] = {}
        for project in rekognition.describe_projects()["ProjectDescriptions"]:
            name = project_name(project["ProjectArn"])
            assert user_tags(rekognition, project["ProjectArn"]) == self._tags(variant), name
            for dataset in project.get("Datasets", []):
                slot = (name, dataset["DatasetType"])
                assert slots.get(slot), f"undeclared dataset {slot}"
                assert dataset["DatasetArn"] in held, f"{slot} is not the dataset the runner's state names"
                assert user_tags(rekognition, dataset["DatasetArn"]) == self._tags(variant), slot
                found[slot] = entries(rekognition, dataset["DatasetArn"])
        assert set(found) == {slot for slot, kind in slots.items() if kind}, f"datasets {sorted(found)}"
        for slot, kind in slots.items():
            if kind is None or (variant.split and slot[0] == PROJECT_P):
                continue
            assert found[slot] == self.expected.of(kind, variant), f"{slot} does not hold its {kind} entries"
        if variant.split:
            assert variant.train is not None
            train, test = found[(PROJECT_P, "TRAIN")], found[(PROJECT_P, "TEST")]
            assert train | test == self.expected.of(variant.train, variant), "the split lost or gained entries"
            assert not set(train) & set(test), "the split's datasets overlap"
            assert train and test, "a split dataset is empty"

    @staticmethod
    def _tags(variant: Variant) -> dict[str, str]:
        return {TAG_KEY: variant.tag} if variant.tag else {}


def _delete_project(rekognition: RekognitionClient, arn: str) -> None:
    """Delete a retained project and its datasets out of band, as its owner would."""
    (project,) = [p for p in rekognition.describe_projects()["ProjectDescriptions"] if p["ProjectArn"] == arn]
    for dataset in project.get("Datasets", []):
        rekognition.delete_dataset(DatasetArn=dataset["DatasetArn"])
    rekognition.delete_project(ProjectArn=arn)


def chaos_settings() -> settings:
    """Short and derandomized in ``make test``; long (``CHAOS_EXAMPLES``/``CHAOS_STEPS``) in ``make soak``."""
    if SOAK:
        examples, steps = int(os.environ.get("CHAOS_EXAMPLES", "200")), int(os.environ.get("CHAOS_STEPS", "25"))
        return settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate],  # a failing sequence is printed as found: shrinking one costs many minutes
        )
    return settings(
        max_examples=3,
        stateful_step_count=8,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # a failure is reported as found, not shrunk for minutes
    )


def test_chaos(emulator: Emulator, chaos_assembly: CloudAssembly, tmp_path: Path) -> None:
    ChaosMachine.emulator, ChaosMachine.assembly, ChaosMachine.workdir = emulator, chaos_assembly, tmp_path
    before = TOTALS.copy()
    try:
        run_state_machine_as_test(ChaosMachine, settings=chaos_settings())
    finally:
        run = TOTALS - before
        print(f"\nchaos: {dict(sorted(run.items()))}")
    assert run["steps"] > 0


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Variant(train="entries-A", test="empty", split=True), Variant(train="entries-A")),
        (Variant(train="folder", test="empty", split=True), Variant(train="folder")),
        (Variant(train="entries-A", test="empty", split=True), Variant(train="bucket-A", test="empty", split=True)),
        (Variant(train="bucket-A", test="empty", split=True), Variant(train="file-A", test="empty")),
        (
            Variant(train="entries-A", q="copy", q_retain=True),
            Variant(train="file-A", test="empty", split=True, q="bucket-A", q_retain=True, tag="a"),
        ),
        (
            Variant(train="file-A", test="empty", split=True, q="bucket-A", q_retain=True, tag="a"),
            Variant(test="entries-C"),
        ),
    ],
    ids=[
        "split-removed",
        "staged-split-removed",
        "source-switched",
        "split-removed-test-kept",
        "copy-source-rebuilt",
        "train-removed",
    ],
)
def test_a_failed_change_of_a_split_rolls_back_to_a_split_without_losing_entries(
    before: Variant, after: Variant, emulator: Emulator, chaos_assembly: CloudAssembly, tmp_path: Path
) -> None:
    """Found by the chaos run. First: removing a split rebuilds TRAIN whole; when that import failed, the rollback
    found the failed dataset in the slot and failed too (UPDATE_ROLLBACK_FAILED, TRAIN's entries gone); on_event
    now rebuilds a failed dataset an earlier request left. Then: the rollback rebuilt TRAIN whole while the unchanged
    distribution got no event, so TRAIN overlapped the part TEST kept, or TEST stayed empty; the pair now finishes
    its own split (``resources/resplit.py``). And (copy-source-rebuilt): the failed update rebuilt P's TRAIN under a
    new ARN and the rollback under another; Q's copy was rolled back with the properties recorded before the update,
    naming the ARN the update had deleted (UPDATE_ROLLBACK_FAILED); the rollback now resolves the previous template
    against the resources as they are when each is rolled back, dependencies first. And (train-removed, the seed-31
    soak): the update rebuilt the split TEST for its own source, deleting the only copy of its part, and the rollback
    rebuilt TEST empty beside the unchanged split TRAIN; a split TEST's part now goes back to its TRAIN before TEST
    is deleted (``resplit.merge_back``), so the rollback re-splits a whole TRAIN."""
    ChaosMachine.emulator, ChaosMachine.assembly, ChaosMachine.workdir = emulator, chaos_assembly, tmp_path
    machine = ChaosMachine()
    try:
        machine.deploy(VARIANTS.index(before), None)
        (stack,) = [s for s in chaos_assembly.stacks if s.artifact_id == artifact(VARIANTS.index(after))]
        emulator.faults.fail_next("CreateDataset", "chaos: the import failed")
        with pytest.raises(StackFailed) as failed:
            machine.session.deploy(stack)
        assert failed.value.status == "UPDATE_ROLLBACK_COMPLETE", failed.value.failures
        machine._failed(failed.value.status)
        machine.declared_entries_tags_and_state()  # a split again: together the source, no overlap, none empty
    finally:
        machine.teardown()
