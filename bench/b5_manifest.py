"""B5: manifest validation throughput and peak memory, against a bare ``json.loads`` loop over the same file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.manifests import Kind, write_manifest
from bench.measure import BenchError, interleaved, run_python_json
from bench.report import Figure, Stats, verdict

if TYPE_CHECKING:
    from pathlib import Path

    from bench.settings import Settings

TITLE = "manifest validation (250,000 lines)"
METHOD = (
    "A generated, fully valid manifest (classification: one image-level label per line; detection: 3 boxes per line) "
    "of 250,000 lines is validated in a fresh interpreter with "
    "`rekognition_datasets_handler.manifest.validate_file`; the "
    "baseline is `for line in file: json.loads(line)` over the same file in its own fresh interpreter. Subject and "
    "baseline alternate (ABAB). Time covers the validation call only (not interpreter start-up or imports); lines/s "
    "= lines / that time. Peak memory is the child process's peak RSS (`VmHWM` in `/proc/self/status`; whole "
    "process, interpreter and imports included); the memory target is checked against the largest sample."
)

FULL_LINES = 250_000
QUICK_LINES = 2_000
MEMORY_LIMIT_MIB = 150
TIME_RATIO_LIMIT = 3.0

#: Peak RSS of this process image. Not ``ru_maxrss``: Linux carries that over from the parent across fork+exec,
#: so a child of a large parent would report the parent's size.
_PEAK = """
def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
"""

_SUBJECT = (
    _PEAK
    + """
import json, sys, time
from rekognition_datasets_handler.manifest import validate_file
start = time.perf_counter()
summary = validate_file(sys.argv[1])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_kib": peak_kib(),
                  "lines": summary.total_lines, "valid": summary.valid_lines, "ok": summary.ok}))
"""
)

_BASELINE = (
    _PEAK
    + """
import json, sys, time
start = time.perf_counter()
lines = 0
with open(sys.argv[1], encoding="utf-8") as stream:
    for line in stream:
        json.loads(line)
        lines += 1
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_kib": peak_kib(),
                  "lines": lines, "valid": lines, "ok": True}))
"""
)


def measure_once(code: str, path: Path, lines: int) -> dict[str, float]:
    """One validation in a fresh interpreter; checks it saw every line as valid."""
    result: dict[str, float] = run_python_json(code, str(path))
    if result["lines"] != lines or result["valid"] != lines or not result["ok"]:
        raise BenchError(f"{path.name}: expected {lines} valid lines, the child reported {result}")
    return result


def run_kind(kind: Kind, lines: int, repeat: int, workdir: Path) -> list[Figure]:
    """Rows for one manifest kind: time (vs baseline), lines/s and peak memory."""
    path = workdir / f"bench-{kind}.manifest"
    size = write_manifest(path, kind, lines)
    subject, baseline = interleaved(
        lambda: measure_once(_SUBJECT, path, lines), lambda: measure_once(_BASELINE, path, lines), repeat
    )
    time_s = Stats.of("s", [r["seconds"] for r in subject])
    base_s = Stats.of("s", [r["seconds"] for r in baseline])
    rate = Stats.of("lines/s", [lines / r["seconds"] for r in subject])
    base_rate = Stats.of("lines/s", [lines / r["seconds"] for r in baseline])
    peak = Stats.of("bytes", [r["peak_kib"] * 1024 for r in subject])
    base_peak = Stats.of("bytes", [r["peak_kib"] * 1024 for r in baseline])
    label = f"{kind}, {lines:,} lines ({size / 1024**2:.0f} MiB)"
    ratio = time_s.median / base_s.median
    return [
        Figure(
            "B5",
            f"validation time, {label}",
            time_s,
            target=f"<= {TIME_RATIO_LIMIT:g}x baseline",
            verdict=verdict(ratio <= TIME_RATIO_LIMIT),
            baseline=base_s,
            baseline_label="json.loads loop",
        ),
        Figure("B5", f"throughput, {kind}", rate, baseline=base_rate, baseline_label="json.loads loop"),
        Figure(
            "B5",
            f"peak memory (process RSS), {kind}",
            peak,
            target=f"< {MEMORY_LIMIT_MIB} MiB",
            verdict=verdict(peak.max < MEMORY_LIMIT_MIB * 1024**2),
            baseline=base_peak,
            baseline_label="json.loads loop",
        ),
    ]


def run(settings: Settings) -> list[Figure]:
    lines = QUICK_LINES if settings.quick else FULL_LINES
    repeat = settings.repeats(5)  # wall times swing by up to 2x on a loaded 2-core machine
    figures: list[Figure] = []
    for kind in ("classification", "detection"):
        figures += run_kind(kind, lines, repeat, settings.workdir)
    return figures
