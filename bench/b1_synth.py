"""B1: synth time and template bytes for N datasets, against the same stack with native ``CfnDataset`` resources."""

from __future__ import annotations

import itertools
import json
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.measure import child_env, interleaved, run_child
from bench.report import Figure, Stats, verdict

if TYPE_CHECKING:
    from bench.settings import Settings

TITLE = "synth time and template bytes"
METHOD = (
    "`python -m bench.synth_app {library|native} N` in a fresh interpreter builds one stack with ceil(N/2) "
    "`rekognition_datasets.Project`s and N datasets (TRAIN and TEST alternately, empty source): `Dataset` "
    "(ours) or `aws_rekognition.CfnDataset` (baseline), then `app.synth()`. Ours and baseline alternate (ABAB). "
    "Wall time is the whole child process (interpreter, `import aws_cdk`, jsii start-up, construction, synthesis "
    "including the local bundling of the handler asset): what `cdk synth` runs, minus the CDK CLI's own fixed "
    "start-up. These rows run with `CDK_VALIDATION=false`, because CDK's built-in CloudFormation validation plugin "
    "adds a large fixed cost to both variants (about 20 s on this machine) that would drown the difference; one "
    "extra pair at N=100 measures it with validation on. Template bytes = the synthesized "
    "`<stack>.template.json`. Provider resources = every resource that is not a project, a dataset or "
    "`AWS::CDK::Metadata`."
)

FULL_SIZES = (1, 10, 50, 100)
QUICK_SIZES = (1, 4)
TARGET_RATIO = 1.5
_PER_DATASET_TYPES = frozenset(
    {"AWS::Rekognition::Project", "AWS::Rekognition::Dataset", "Custom::RekognitionDataset", "AWS::CDK::Metadata"}
)


@dataclass(frozen=True)
class Synth:
    """One synthesized stack: process wall time, in-process phases, template size and resource counts."""

    wall_s: float
    import_s: float
    build_s: float
    synth_s: float
    template_bytes: int
    resources: int
    #: resource type -> count, for the resources that are not a project, a dataset or CDK metadata
    provider_types: Counter[str]

    @property
    def provider_resources(self) -> int:
        return sum(self.provider_types.values())


def synth(variant: str, count: int, outdir: Path, *, validation: bool = False) -> Synth:
    """Synthesize the ``variant`` stack of ``count`` datasets into ``outdir`` in a child process."""
    env = child_env() if validation else child_env({"CDK_VALIDATION": "false"})
    wall, proc = run_child([sys.executable, "-m", "bench.synth_app", variant, str(count), str(outdir)], env=env)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    path = Path(result["template"])
    template: dict[str, Any] = json.loads(path.read_text())
    types = [r["Type"] for r in template.get("Resources", {}).values()]
    return Synth(
        wall_s=wall,
        import_s=result["import_s"],
        build_s=result["build_s"],
        synth_s=result["synth_s"],
        template_bytes=path.stat().st_size,
        resources=len(types),
        provider_types=Counter(t for t in types if t not in _PER_DATASET_TYPES),
    )


def _pair(settings: Settings, count: int, repeat: int, *, validation: bool = False) -> tuple[list[Synth], list[Synth]]:
    runs = itertools.count()

    def one(variant: str) -> Synth:
        return synth(variant, count, settings.workdir / f"b1-{variant}-{count}-{next(runs)}", validation=validation)

    return interleaved(lambda: one("library"), lambda: one("native"), repeat)


def run(settings: Settings) -> list[Figure]:
    sizes = QUICK_SIZES if settings.quick else FULL_SIZES
    figures: list[Figure] = []
    provider: dict[int, Counter[str]] = {}
    for count in sizes:
        largest = count == sizes[-1]
        ours, base = _pair(settings, count, settings.repeats(3 if largest else 2))
        wall = Stats.of("s", [s.wall_s for s in ours])
        base_wall = Stats.of("s", [s.wall_s for s in base])
        ratio = wall.median / base_wall.median
        figures.append(
            Figure(
                "B1",
                f"synth wall time, N={count}",
                wall,
                target=f"<= {TARGET_RATIO:g}x baseline at {sizes[-1]}" if largest else "",
                verdict=verdict(ratio <= TARGET_RATIO) if largest else "info",
                baseline=base_wall,
                baseline_label="CfnDataset",
                note=_phases(ours, base),
            )
        )
        figures.append(
            Figure(
                "B1",
                f"template bytes, N={count}",
                Stats.of("bytes", [s.template_bytes for s in ours]),
                baseline=Stats.of("bytes", [s.template_bytes for s in base]),
                baseline_label="CfnDataset",
            )
        )
        provider[count] = ours[0].provider_types
    figures.append(_provider_row(provider))
    if not settings.quick:
        count = sizes[-1]
        ours, base = _pair(settings, count, 1, validation=True)
        figures.append(
            Figure(
                "B1",
                f"synth wall time with CDK's built-in validation, N={count}",
                Stats.of("s", [s.wall_s for s in ours]),
                baseline=Stats.of("s", [s.wall_s for s in base]),
                baseline_label="CfnDataset",
                note="one pair only (each run pays the validation plugin's fixed cost)",
            )
        )
    return figures


def _provider_row(provider: dict[int, Counter[str]]) -> Figure:
    """Provider resources per N; when they grow, the note names the resource types that grew."""
    totals = {n: sum(types.values()) for n, types in provider.items()}
    first, last = provider[min(provider)], provider[max(provider)]
    grown = {t: (first[t], last[t]) for t in sorted(set(first) | set(last)) if first[t] != last[t]}
    note = "by N: " + ", ".join(f"{n}: {total}" for n, total in totals.items())
    if grown:
        note += f"; grew from N={min(provider)} to N={max(provider)}: "
        note += ", ".join(f"{t} {a} -> {b}" for t, (a, b) in grown.items())
    return Figure(
        "B1",
        "provider resources per stack, N = " + ", ".join(str(n) for n in provider),
        Stats.of("resources", list(totals.values())),
        target="constant in N",
        verdict=verdict(len(set(totals.values())) == 1),
        note=note,
    )


def _phases(ours: list[Synth], base: list[Synth]) -> str:
    """Median in-process seconds per phase, ours / baseline (where the difference comes from)."""

    def pair(phase: str) -> str:
        medians = [statistics.median(getattr(s, phase) for s in runs) for runs in (ours, base)]
        return f"{medians[0]:.2f} / {medians[1]:.2f} s"

    phases = f"import {pair('import_s')}, construct {pair('build_s')}, synth {pair('synth_s')}"
    return f"in-process medians, ours / baseline: {phases}"
