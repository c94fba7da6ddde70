"""``make demo-models``: a model as code, offline. Train a version from the example images and pass its F1 gate
(0.5), serve it; then a stricter gate (0.95) trains a new version the deploy refuses, and the rollback leaves the
first version serving; ``destroy`` stops and deletes it, then the datasets and the project.

The runner deploys the synthesized assembly against an embedded emulator whose trainings take a few seconds and
reach F1 0.9; every wait (the training watch's one-minute rate included) is scaled down.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rekognition_datasets_local.emulator import EmulatorConfig
from rekognition_datasets_local.runner.assembly import CloudAssembly, synthesize
from rekognition_datasets_local.runner.demo import ROOT, heading, run_timed
from rekognition_datasets_local.runner.engine import StackFailed
from rekognition_datasets_local.runner.errors import RunnerError
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.resources.base import RunnerConfig
from rekognition_datasets_local.runner.session import open_session

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_local.runner.session import Session

APP = ROOT / "examples" / "models_app.py"
#: The watch's one-minute rate becomes 3 s, the provider's 5 s query interval 0.25 s.
INTERVAL_FACTOR = 0.05
MIN_F1_CONTEXT = "rekognition-datasets-models:minF1"
STRICT_GATE = "0.95"
#: Trainings take 2 s of emulator time and reach F1 0.9: above the first gate, below the strict one.
EMULATOR = EmulatorConfig(training_delay=2.0, training_f1=0.9)


def _synth(workdir: Path, name: str, context: dict[str, object] | None = None) -> CloudAssembly:
    outdir = synthesize(
        f"{sys.executable} {APP}", workdir / name, cwd=ROOT, env={"CDK_VALIDATION": "false"}, context=context
    )
    return CloudAssembly.read(outdir)


def _versions(out: Printer, session: Session, project_arn: str) -> None:
    """Every version of the project, as the service describes it."""
    rekognition = session.clients.rekognition
    pages = rekognition.get_paginator("describe_project_versions").paginate(ProjectArn=project_arn)
    versions = [v for page in pages for v in page["ProjectVersionDescriptions"]]
    out.line(f"Model versions in the project: {len(versions)}")
    for version in versions:
        name = version["ProjectVersionArn"].split("/")[3]
        f1 = version.get("EvaluationResult", {}).get("F1Score")
        out.line(f"  {name}: {version['Status']}, F1 {f1}, inference units {version.get('MinInferenceUnits', '-')}")


def _project_arn(session: Session, stack_name: str) -> str:
    state = session.engine.store.load(stack_name)
    if state is None:
        raise RunnerError(f"{stack_name} is not deployed")
    (project,) = [r for r in state.resources.values() if r.type == "AWS::Rekognition::Project"]
    return str(project.attributes["Arn"])


def run(printer: Printer | None = None) -> int:
    """The whole demo; returns the exit code."""
    out = printer or Printer()
    return run_timed(out, "rekognition-models-demo-", lambda workdir: _steps(out, workdir))


def _steps(out: Printer, workdir: Path) -> None:
    heading(out, "1/5 Synthesize examples/models_app.py: F1 gate 0.5, and a strict gate 0.95")
    (passing,) = _synth(workdir, "cdk.out").stacks
    (strict,) = _synth(workdir, "cdk.out.strict", {MIN_F1_CONTEXT: STRICT_GATE}).stacks
    config = RunnerConfig(interval_factor=INTERVAL_FACTOR)
    with open_session(env={}, config=config, emulator_config=EMULATOR, printer=out, workdir=workdir) as session:
        heading(out, "2/5 Deploy: datasets, split, train (watched until it settles), gate, serve")
        state = session.deploy(passing)
        for key in ("VersionArn", "F1Score", "EvaluationSummary", "AutoStopAt"):
            out.line(f"{key}: {state.outputs.get(key)}")
        project_arn = _project_arn(session, passing.stack_name)
        _versions(out, session, project_arn)
        heading(out, f"3/5 Deploy with min_f1_score {STRICT_GATE}: a new version, refused by the gate")
        try:
            session.deploy(strict)
        except StackFailed as failed:
            out.line(f"The deploy failed as it should: {failed}")
        else:
            raise RunnerError("the strict gate accepted a version with F1 0.9")
        heading(out, "4/5 After the rollback: the first version still serves, the refused one is gone")
        _versions(out, session, project_arn)
        heading(out, "5/5 Destroy: stop and delete the version, then the datasets and the project")
        session.engine.destroy(passing.stack_name)
        projects = session.clients.rekognition.describe_projects()["ProjectDescriptions"]
        out.line(f"Rekognition projects left: {len(projects)}")


if __name__ == "__main__":
    raise SystemExit(run())
