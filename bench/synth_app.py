"""Child process of B1 (and of B3/B6's synth): build a stack of N datasets and synthesize it, timing each phase.

``python -m bench.synth_app {library|native} N OUTDIR`` prints one JSON line: ``import_s``, ``build_s``,
``synth_s`` and the template path. ``library`` declares ``rekognition_datasets.Dataset`` (empty source);
``native`` declares ``aws_rekognition.CfnDataset`` (which can only be empty). Both declare the same projects
(``rekognition_datasets.Project``, one per TRAIN/TEST pair).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

STACK_NAME = "BenchStack"
VARIANTS = ("library", "native")


def main(argv: list[str]) -> int:
    variant, count, outdir = argv[0], int(argv[1]), argv[2]
    if variant not in VARIANTS:
        raise SystemExit(f"variant must be one of {VARIANTS}, got {variant!r}")
    start = time.perf_counter()
    import aws_cdk as cdk
    from aws_cdk import aws_rekognition as rekognition

    from rekognition_datasets import Dataset, DatasetType, Project

    imported = time.perf_counter()
    app = cdk.App(outdir=outdir)
    stack = cdk.Stack(app, STACK_NAME)
    projects = [Project(stack, f"Project{p}") for p in range((count + 1) // 2)]
    for index in range(count):
        project, train = projects[index // 2], index % 2 == 0
        if variant == "library":
            Dataset(
                stack, f"Dataset{index}", project=project, dataset_type=DatasetType.TRAIN if train else DatasetType.TEST
            )
        else:
            rekognition.CfnDataset(
                stack, f"Dataset{index}", project_arn=project.project_arn, dataset_type="TRAIN" if train else "TEST"
            )
    print_synth(app, STACK_NAME, start, imported)
    return 0


def print_synth(app: Any, stack_name: str, start: float, imported: float) -> None:
    """Synthesize ``app`` (built since ``imported``) and print the phases and ``stack_name``'s template path."""
    built = time.perf_counter()
    assembly = app.synth()
    synthesized = time.perf_counter()
    template = Path(assembly.get_stack_by_name(stack_name).template_full_path)
    result = {
        "import_s": imported - start,
        "build_s": built - imported,
        "synth_s": synthesized - built,
        "template": str(template),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
