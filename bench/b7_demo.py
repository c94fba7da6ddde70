"""B7: ``make demo`` wall time once set up."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from bench.measure import REPO, BenchError, child_env
from bench.report import Figure, Stats, verdict

if TYPE_CHECKING:
    from bench.settings import Settings

TITLE = "`make demo` wall time"
TARGET_S = 60.0
METHOD = (
    "`make demo` is run as a child process from the repository root when `make -q setup` says the set-up is up to "
    "date (as it is under `make bench`); otherwise the demo target's own command, `python -m "
    "rekognition_runner.demo`, with the Makefile's environment (the project's Node.js 22 on PATH). Wall time from "
    "start to exit; the run must exit 0. The demo's `=== ... ===` phase headings are timestamped as they are "
    "printed, which gives the per-phase split in the note (from the median run)."
)


def demo_command() -> tuple[list[str], str]:
    """The command to time, and how to describe it."""
    up_to_date = subprocess.run(["make", "-q", "setup"], cwd=REPO, capture_output=True, check=False).returncode == 0
    if up_to_date:
        return ["make", "--no-print-directory", "demo"], "make demo"
    return [sys.executable, "-m", "rekognition_runner.demo"], "python -m rekognition_runner.demo (set-up not current)"


def run_demo(command: list[str]) -> tuple[float, list[tuple[str, float]]]:
    """Wall seconds of one demo, and each phase heading with the seconds since start when it was printed."""
    phases: list[tuple[str, float]] = []
    start = time.perf_counter()
    with subprocess.Popen(
        command, cwd=REPO, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        tail: list[str] = []
        for line in proc.stdout:
            if line.startswith("=== "):
                phases.append((line.strip("= \n"), time.perf_counter() - start))
            tail = [*tail[-14:], line.rstrip()]
        code = proc.wait()
    wall = time.perf_counter() - start
    if code != 0:
        raise BenchError(f"the demo exited {code}: " + " / ".join(tail[-5:]))
    return wall, phases


def _split(wall: float, phases: list[tuple[str, float]]) -> str:
    marks = [*phases, ("end", wall)]
    parts = [("start-up", marks[0][1])] + [(name, marks[i + 1][1] - at) for i, (name, at) in enumerate(marks[:-1])]
    return "; ".join(f"{name.split(' (')[0]} {seconds:.1f} s" for name, seconds in parts)


def run(settings: Settings) -> list[Figure]:
    command, described = demo_command()
    runs = [run_demo(command) for _ in range(settings.repeats(3))]
    walls = [wall for wall, _ in runs]
    median_run = min(runs, key=lambda r: abs(r[0] - statistics.median(walls)))
    value = Stats.of("s", walls)
    return [
        Figure(
            "B7",
            f"demo wall time ({described})",
            value,
            target=f"< {TARGET_S:g} s on a 2-core machine",
            verdict=verdict(value.median < TARGET_S),
            note=_split(*median_run) if median_run[1] else "",
        )
    ]
