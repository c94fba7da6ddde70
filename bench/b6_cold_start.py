"""B6: handler cold start (``python -X importtime`` of the entry module) against a bare ``import boto3``, and the
zipped size of the Lambda asset the constructs bundle."""

from __future__ import annotations

import io
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.measure import BenchError, child_env, run_child
from bench.report import Figure, Stats, verdict
from bench.stacks import default_stack

if TYPE_CHECKING:
    from pathlib import Path

    from bench.settings import Settings

TITLE = "handler cold start and asset size"
METHOD = (
    "The stack of B1 (N=1) is synthesized and the provider's Lambda functions are read from the template: their "
    "`Handler` gives the entry module and their `Code.S3Key` the bundled asset directory `cdk.out/asset.<hash>/`. "
    "Each sample is a fresh `python -S -X importtime` whose PYTHONPATH is that asset directory plus site-packages "
    "(so the bundled copy is imported, as in Lambda, where boto3 comes from the runtime); it writes a marker to "
    "stderr, then imports. `PYTHONDONTWRITEBYTECODE=1` and an asset without `__pycache__` mean the handler's "
    "modules are compiled on every sample, as in Lambda's read-only code directory (boto3's are precompiled, as in the "
    "runtime). The figure is the sum of the cumulative times of the top-level imports after the marker "
    "(interpreter start-up excluded). The handler imports boto3 lazily, so the target is checked on "
    "`import <entry>, boto3` (everything a cold first invocation imports before its first call) against a bare "
    "`import boto3`; the entry module alone is shown too. Samples rotate baseline, alone, with boto3. "
    "Asset size = the asset directory zipped with DEFLATE (level 9), as a Lambda code zip."
)

MARKER = "@@bench-import-start"
TARGET_RATIO = 1.15
ASSET_LIMIT_KIB = 250
_CODE = (
    f"import sys; sys.stderr.write('{MARKER}\\n'); import {{modules}}; "
    "sys.stderr.write('@@file ' + sys.modules[{first!r}].__file__)"
)


@dataclass(frozen=True)
class ImportLine:
    """One line of ``-X importtime`` output (microseconds)."""

    depth: int
    name: str
    self_us: int
    cumulative_us: int


def parse_importtime(stderr: str) -> list[ImportLine]:
    """The ``-X importtime`` lines printed after ``MARKER`` (nesting depth from the name's indentation)."""
    _, found, after = stderr.partition(MARKER)
    if not found:
        raise BenchError("the importtime child never reached its marker")
    lines: list[ImportLine] = []
    for raw in after.splitlines():
        if not raw.startswith("import time:") or "imported package" in raw:
            continue
        self_us, cumulative_us, name = raw.removeprefix("import time:").split("|", 2)
        stripped = name.lstrip(" ")
        depth = (len(name) - len(stripped) - 1) // 2
        lines.append(ImportLine(depth, stripped.strip(), int(self_us), int(cumulative_us)))
    return lines


def import_seconds(modules: tuple[str, ...], pythonpath: Path) -> tuple[float, list[ImportLine], str]:
    """Seconds to import ``modules`` in a fresh interpreter, the importtime lines, and where the first came from."""
    site_packages = sysconfig.get_paths()["purelib"]
    # Lambda's code directory is read-only: the handler's modules are compiled on every cold start.
    env = child_env({"PYTHONPATH": f"{pythonpath}:{site_packages}", "PYTHONDONTWRITEBYTECODE": "1"})
    code = _CODE.format(modules=", ".join(modules), first=modules[0])
    _, proc = run_child([sys.executable, "-S", "-X", "importtime", "-c", code], env=env)
    lines = parse_importtime(proc.stderr)
    origin = proc.stderr.rpartition("@@file ")[2].strip()
    return sum(line.cumulative_us for line in lines if line.depth == 0) / 1e6, lines, origin


def zipped_size(directory: Path) -> int:
    """Bytes of ``directory`` zipped (DEFLATE level 9), files in a stable order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(directory).as_posix())
    return len(buffer.getvalue())


def handler_functions(template: dict[str, Any], outdir: Path) -> dict[str, Path]:
    """Python Lambda functions of the template whose code is a local asset: handler → asset directory."""
    found: dict[str, Path] = {}
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties", {})
        if resource.get("Type") != "AWS::Lambda::Function" or not str(props.get("Runtime", "")).startswith("python"):
            continue
        key = props.get("Code", {}).get("S3Key")
        if isinstance(key, str) and (outdir / f"asset.{key.removesuffix('.zip')}").is_dir():
            found[props["Handler"]] = outdir / f"asset.{key.removesuffix('.zip')}"
    if not found:
        raise BenchError("no Python Lambda function with a local asset in the synthesized template")
    return found


def _heaviest(lines: list[ImportLine], count: int = 4) -> str:
    top = sorted(lines, key=lambda line: line.self_us, reverse=True)[:count]
    return ", ".join(f"{line.name} {line.self_us / 1000:.1f} ms" for line in top)


def run(settings: Settings) -> list[Figure]:
    outdir, template = default_stack(settings)
    functions = handler_functions(template, outdir)
    assets = sorted(set(functions.values()))
    figures: list[Figure] = []
    for asset in assets:
        size = zipped_size(asset)
        figures.append(
            Figure(
                "B6",
                f"Lambda asset zipped ({asset.name[:14]}...)",
                Stats.of("bytes", [size]),
                target=f"< {ASSET_LIMIT_KIB} KiB",
                verdict=verdict(size < ASSET_LIMIT_KIB * 1024),
            )
        )
    repeat = settings.repeats(21)  # import times swing by ±30% on a loaded 2-core machine: many short samples
    for module in sorted({handler.rpartition(".")[0] for handler in functions}):
        asset = next(path for handler, path in functions.items() if handler.rpartition(".")[0] == module)
        figures += cold_start_rows(module, asset, repeat)
    return figures


def cold_start_rows(module: str, asset: Path, repeat: int) -> list[Figure]:
    """The entry module alone, and the entry module plus the boto3 its first call imports, against boto3 alone."""
    alone, with_boto3, base = [], [], []
    for _ in range(repeat):
        base.append(import_seconds(("boto3",), asset))
        alone.append(import_seconds((module,), asset))
        with_boto3.append(import_seconds((module, "boto3"), asset))
    origin = alone[0][2]
    if not origin.startswith(str(asset)):
        raise BenchError(f"{module} was imported from {origin}, not from the asset {asset}")
    baseline = Stats.of("s", [seconds for seconds, _, _ in base])
    value = Stats.of("s", [seconds for seconds, _, _ in with_boto3])
    return [
        Figure(
            "B6",
            f"import time of `{module}` alone (cold interpreter)",
            Stats.of("s", [seconds for seconds, _, _ in alone]),
            baseline=baseline,
            baseline_label="import boto3",
            note=f"largest self times in one sample: {_heaviest(alone[0][1])}",
        ),
        Figure(
            "B6",
            f"import time of `{module}` + boto3 (all a cold first invocation imports)",
            value,
            target=f"<= {TARGET_RATIO:g}x baseline",
            verdict=verdict(value.median / baseline.median <= TARGET_RATIO),
            baseline=baseline,
            baseline_label="import boto3",
        ),
    ]
