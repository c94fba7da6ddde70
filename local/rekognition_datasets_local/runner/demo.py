"""``make demo``: the real CDK CLI (the project's pinned ``cdk``) against the embedded emulator: start it,
``cdk bootstrap``, ``cdk deploy`` app.py, show the datasets and the split, change the training images and
``cdk deploy`` again (the datasets converge and the split is redone), ``cdk destroy --force``, show nothing left.

The emulator serves the CloudFormation API the CLI calls, backed by the offline runner's engine, with short but
visible service delays; the provider's query interval is scaled down so polling stays visible without waiting real
minutes. The app is synthesized by this script (as ``cdk synth`` would) and the CLI deploys the assembly.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rekognition_datasets_local.cloudformation import LocalCloud
from rekognition_datasets_local.cloudformation.cdk_cli import cdk_env, run_cdk
from rekognition_datasets_local.emulator import Emulator
from rekognition_datasets_local.runner.assembly import CloudAssembly, synthesize
from rekognition_datasets_local.runner.errors import RunnerError
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.resources.base import RunnerConfig
from rekognition_datasets_local.runner.state import STATE_BUCKET
from rekognition_datasets_local.runner.summary import print_datasets

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_local.runner.session import Session
    from rekognition_datasets_local.runner.summary import DatasetRow

ROOT = Path(__file__).resolve().parents[3]
#: The provider's 5 s query interval becomes 0.5 s; the emulator's default delays (about a second) stay.
INTERVAL_FACTOR = 0.1
_SYNTH_ENV = {"CDK_VALIDATION": "false"}
#: app.py's context key naming its training images folder, and the label the update step drops.
_IMAGES_CONTEXT = "rekognition-datasets-example:images"
_DROPPED_LABEL = "stripes"
#: The emulator's account and region, the environment ``cdk bootstrap`` prepares.
_ENVIRONMENT = "aws://123456789012/us-east-1"
#: Variables the demo shows, as a user would export them from ``rekognition-datasets emulator``.
_SHOWN_VARIABLES = ("AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_REKOGNITION", "AWS_ENDPOINT_URL_S3")


#: CLI lines the demo leaves out: per-asset build and publish progress, and the provider's plumbing resources.
_HIDDEN = re.compile(
    r": (start|success): (Building|Built|Publishing|Published) |\| AWS::(IAM|Lambda|Logs|StepFunctions)::"
)


class CdkFailed(RunnerError):
    """A CDK CLI command exited non-zero."""


def heading(printer: Printer, text: str) -> None:
    """A demo step's title."""
    printer.line(f"\n=== {text} ===")


def run_timed(out: Printer, prefix: str, steps: Callable[[Path], None]) -> int:
    """Run a demo's ``steps`` in a fresh temporary directory (named ``prefix...``); report the failure, or the time
    it took. Returns the exit code."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        try:
            steps(Path(tmp))
        except RunnerError as exc:
            out.line(f"\n❌  demo failed: {exc}")
            return 1
    out.line(f"\n✅  demo done in {time.monotonic() - started:.0f} s")
    return 0


def _source_refs(rekognition: RekognitionClient, arn: str) -> set[str]:
    refs: set[str] = set()
    for page in rekognition.get_paginator("list_dataset_entries").paginate(DatasetArn=arn):
        for line in page.get("DatasetEntries", []):
            refs.add(line.split('"source-ref":"', 1)[-1].split('"', 1)[0])
    return refs


def _split(out: Printer, rekognition: RekognitionClient, rows: list[DatasetRow]) -> None:
    train = next(r for r in rows if r.dataset_type == "TRAIN")
    test = next(r for r in rows if r.dataset_type == "TEST")
    total = train.entries + test.entries
    both = _source_refs(rekognition, train.arn) & _source_refs(rekognition, test.arn)
    out.line(
        f"\nSplit: {train.entries} training + {test.entries} testing entries "
        f"({100 * test.entries / max(total, 1):.0f}% in test); images in both datasets: {len(both)}"
    )


def _leftovers(out: Printer, session: Session) -> None:
    rekognition, s3 = session.clients.rekognition, session.clients.s3
    projects = rekognition.describe_projects()["ProjectDescriptions"]
    out.line(f"Rekognition projects: {len(projects)} {[p['ProjectArn'] for p in projects]}")
    # the state bucket also keeps the functions' logs and run locks: name the stack states, bucket listed or not
    names = session.engine.store.stack_names()
    out.line(f"S3 bucket {STATE_BUCKET}: the state of {len(names)} stack(s) {names}")
    for bucket in s3.list_buckets().get("Buckets", []):
        if bucket["Name"] == STATE_BUCKET:
            continue
        keys = [
            o["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"])
            for o in page.get("Contents", [])
        ]
        out.line(f"S3 bucket {bucket['Name']}: {len(keys)} objects (the CDK file assets)")


def _synth(workdir: Path, name: str, context: dict[str, object] | None = None) -> CloudAssembly:
    # The builtin CloudFormation validation plugin adds ~25 s to synth; `make test` synthesizes with it.
    outdir = synthesize(f"{sys.executable} app.py", workdir / name, cwd=ROOT, env=_SYNTH_ENV, context=context)
    return CloudAssembly.read(outdir)


def _cdk(out: Printer, env: Mapping[str, str], *args: str) -> None:
    """Run the CLI, showing its output but the lines ``_HIDDEN`` matches (counted)."""
    out.line(f"$ cdk {' '.join(args)}")
    hidden = 0

    def show(line: str) -> None:
        nonlocal hidden
        if _HIDDEN.search(line):
            hidden += 1
        else:
            out.line(line)

    code, _ = run_cdk(ROOT, args, env, show)
    if hidden:
        out.line(f"({hidden} lines of asset publishing and IAM/Lambda/Logs/Step Functions resources not shown)")
    if code != 0:
        raise CdkFailed(f"cdk {args[0]} exited with {code}")


def _datasets(out: Printer, session: Session, stack_name: str) -> None:
    """The stack's datasets and split, read back from the service."""
    state = session.engine.store.load(stack_name)
    if state is None:
        raise RunnerError(f"{stack_name} is not deployed")
    _split(out, session.clients.rekognition, print_datasets(out, session.clients.rekognition, state))


def _fewer_images(workdir: Path) -> Path:
    """A copy of the example images without one label's folder."""
    images = workdir / "images"
    shutil.copytree(ROOT / "examples" / "images", images, ignore=shutil.ignore_patterns(_DROPPED_LABEL))
    return images


def run(printer: Printer | None = None) -> int:
    """The whole demo; returns the exit code."""
    out = printer or Printer()
    return run_timed(out, "rekognition-demo-", lambda workdir: _steps(out, workdir))


def _steps(out: Printer, workdir: Path) -> None:
    heading(out, "1/6 Synthesize app.py")
    assembly = _synth(workdir, "cdk.out")
    (stack,) = assembly.stacks
    out.line(f"1 stack: {stack.stack_name}")
    heading(out, "2/6 Start the emulator (Rekognition, CloudFormation, S3, STS, SSM on loopback)")
    config = RunnerConfig(interval_factor=INTERVAL_FACTOR)
    with LocalCloud(Emulator(), config) as cloud:
        env = cdk_env(ROOT, cloud.env())
        for name in _SHOWN_VARIABLES:
            out.line(f"{name}={env[name]}")
        session = cloud.session
        assert session is not None
        heading(out, "3/6 cdk bootstrap")
        _cdk(out, env, "bootstrap", "--app", str(assembly.directory), _ENVIRONMENT)
        heading(out, "4/6 cdk deploy")
        _cdk(out, env, "deploy", "--app", str(assembly.directory), stack.stack_name)
        _datasets(out, session, stack.stack_name)
        heading(out, f"5/6 Update: the training images lose the '{_DROPPED_LABEL}' label; cdk deploy again")
        changed = _synth(workdir, "cdk.out.update", {_IMAGES_CONTEXT: str(_fewer_images(workdir))})
        _cdk(out, env, "deploy", "--app", str(changed.directory), stack.stack_name)
        _datasets(out, session, stack.stack_name)
        heading(out, "6/6 cdk destroy --force, and what is left")
        _cdk(out, env, "destroy", "--force", "--app", str(changed.directory), stack.stack_name)
        _leftovers(out, session)


if __name__ == "__main__":
    raise SystemExit(run())
