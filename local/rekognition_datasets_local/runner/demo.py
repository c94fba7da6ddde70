"""``make demo``: synthesize ``app.py``, deploy it offline, show the datasets and the split, change the training
images and redeploy (the datasets converge and the split is redone), destroy, show nothing left.

Everything runs against an embedded emulator with short but visible service delays; the provider's query
interval is scaled down so polling stays visible without waiting real minutes.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rekognition_datasets_local.runner.assembly import CloudAssembly, synthesize
from rekognition_datasets_local.runner.errors import RunnerError
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.resources import PROJECT_TYPE, is_custom
from rekognition_datasets_local.runner.resources.base import RunnerConfig
from rekognition_datasets_local.runner.session import open_session
from rekognition_datasets_local.runner.state import STATE_BUCKET
from rekognition_datasets_local.runner.summary import print_datasets

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_local.runner.session import Session
    from rekognition_datasets_local.runner.state import StackState
    from rekognition_datasets_local.runner.summary import DatasetRow

ROOT = Path(__file__).resolve().parents[3]
#: The provider's 5 s query interval becomes 0.5 s; the emulator's default delays (about a second) stay.
INTERVAL_FACTOR = 0.1
_SYNTH_ENV = {"CDK_VALIDATION": "false"}
#: app.py's context key naming its training images folder, and the label the update step drops.
_IMAGES_CONTEXT = "rekognition-datasets-example:images"
_DROPPED_LABEL = "stripes"


def _heading(printer: Printer, text: str) -> None:
    printer.line(f"\n=== {text} ===")


def _shown(resource_type: str) -> bool:
    return resource_type in (PROJECT_TYPE, "AWS::CloudFormation::Stack") or is_custom(resource_type)


def _source_refs(rekognition: RekognitionClient, arn: str) -> set[str]:
    refs: set[str] = set()
    for page in rekognition.get_paginator("list_dataset_entries").paginate(DatasetArn=arn):
        for line in page.get("DatasetEntries", []):
            refs.add(line.split('"source-ref":"', 1)[-1].split('"', 1)[0])
    return refs


def _split(session: Session, rows: list[DatasetRow]) -> None:
    train = next(r for r in rows if r.dataset_type == "TRAIN")
    test = next(r for r in rows if r.dataset_type == "TEST")
    total = train.entries + test.entries
    both = _source_refs(session.clients.rekognition, train.arn) & _source_refs(session.clients.rekognition, test.arn)
    session.printer.line(
        f"\nSplit: {train.entries} training + {test.entries} testing entries "
        f"({100 * test.entries / max(total, 1):.0f}% in test); images in both datasets: {len(both)}"
    )


def _leftovers(session: Session) -> None:
    rekognition, s3 = session.clients.rekognition, session.clients.s3
    projects = rekognition.describe_projects()["ProjectDescriptions"]
    session.printer.line(f"Rekognition projects: {len(projects)} {[p['ProjectArn'] for p in projects]}")
    # the state bucket also keeps the functions' logs and run locks: count the stack states, bucket or not
    count = len(session.engine.store.stack_names())
    session.printer.line(f"S3 bucket {STATE_BUCKET}: {count} stack state objects")
    for bucket in s3.list_buckets().get("Buckets", []):
        if bucket["Name"] == STATE_BUCKET:
            continue
        keys = [
            o["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"])
            for o in page.get("Contents", [])
        ]
        session.printer.line(f"S3 bucket {bucket['Name']}: {len(keys)} objects (the CDK file assets)")


def _synth(workdir: Path, name: str, context: dict[str, object] | None = None) -> CloudAssembly:
    # The builtin CloudFormation validation plugin adds ~25 s to synth; `make test` synthesizes with it.
    outdir = synthesize(f"{sys.executable} app.py", workdir / name, cwd=ROOT, env=_SYNTH_ENV, context=context)
    return CloudAssembly.read(outdir)


def _deploy(session: Session, assembly: CloudAssembly) -> list[StackState]:
    states = [session.deploy(stack) for stack in assembly.stacks]
    for state in states:
        _split(session, print_datasets(session.printer, session.clients.rekognition, state))
    return states


def _fewer_images(workdir: Path) -> Path:
    """A copy of the example images without one label's folder."""
    images = workdir / "images"
    shutil.copytree(ROOT / "examples" / "images", images, ignore=shutil.ignore_patterns(_DROPPED_LABEL))
    return images


def run(printer: Printer | None = None) -> int:
    """The whole demo; returns the exit code."""
    out = printer or Printer(show=_shown)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rekognition-demo-") as tmp:
        workdir = Path(tmp)
        try:
            _heading(out, "1/5 Synthesize app.py")
            assembly = _synth(workdir, "cdk.out")
            out.line(f"{len(assembly.stacks)} stack(s): {', '.join(s.stack_name for s in assembly.stacks)}")
            with open_session(config=RunnerConfig(interval_factor=INTERVAL_FACTOR), printer=out) as session:
                _heading(out, "2/5 Deploy offline (embedded emulator; IAM/Lambda/Step Functions lines hidden)")
                _deploy(session, assembly)
                _heading(out, f"3/5 Update: the training images lose the '{_DROPPED_LABEL}' label; redeploy")
                changed = _synth(workdir, "cdk.out.update", {_IMAGES_CONTEXT: str(_fewer_images(workdir))})
                states = _deploy(session, changed)
                _heading(out, "4/5 Destroy")
                for state in reversed(states):
                    session.engine.destroy(state.stack_name)
                _heading(out, "5/5 What is left")
                _leftovers(session)
        except RunnerError as exc:
            out.line(f"\n❌  demo failed: {exc}")
            return 1
    out.line(f"\n✅  demo done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
