"""B7: ``make demo`` wall time once set up."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

from bench.measure import REPO, BenchError, child_env
from bench.report import Figure, Stats, verdict

if TYPE_CHECKING:
    from bench.settings import Settings

TITLE = "`make demo` wall time"
TARGET_S = 60.0
#: A demo that runs this long is reported as not finishing (it would miss the target anyway).
TIMEOUT_S = 240.0
METHOD = (
    "`make demo` is run as a child process from the repository root when `make -q setup` says the set-up is up to "
    "date (as it is under `make bench`); otherwise the demo target's own command, `python -m "
    "rekognition_datasets_local.runner.demo`, with the Makefile's environment (the project's Node.js 22 on PATH). "
    "Wall time from "
    f"start to exit; the run must exit 0 within {TIMEOUT_S:g} s. The demo's `=== ... ===` phase headings are "
    "timestamped as they are printed, which gives the per-phase split in the note (from the median run)."
)


def demo_command() -> tuple[list[str], str]:
    """The command to time, and how to describe it."""
    up_to_date = subprocess.run(["make", "-q", "setup"], cwd=REPO, capture_output=True, check=False).returncode == 0
    if up_to_date:
        return ["make", "--no-print-directory", "demo"], "make demo"
    return [
        sys.executable,
        "-m",
        "rekognition_datasets_local.runner.demo",
    ], "python -m rekognition_datasets_local.runner.demo (set-up not current)"


def run_demo(command: list[str], timeout: float = TIMEOUT_S) -> tuple[float, list[tuple[str, float]]]:
    """Wall seconds of one demo, and each phase heading with the seconds since start when it was printed.

    The demo runs in its own process group; past ``timeout`` seconds the whole group is killed.
    """
    phases: list[tuple[str, float]] = []
    tail: list[str] = []
    start = time.perf_counter()
    with subprocess.Popen(
        command,
        cwd=REPO,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as proc:
        timer = threading.Timer(timeout, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("=== "):
                    phases.append((line.strip("= \n"), time.perf_counter() - start))
                tail = [*tail[-14:], line.rstrip()]
            code = proc.wait()
        finally:
            timer.cancel()
    wall = time.perf_counter() - start
    if wall >= timeout:
        last = phases[-1][0].split(" (")[0] if phases else "start-up"
        print(f"[bench] the demo's last lines: {tail}", file=sys.stderr)
        raise BenchError(f"the demo did not finish within {timeout:g} s (stuck in '{last}')")
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
