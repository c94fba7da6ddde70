"""``python -m bench [--quick] [--only B1,B5] [--repeat N] [--out DIR]``: run the benchmarks, write the report."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench.measure import REPO
from bench.report import Figure, Report, not_measured, render_table
from bench.settings import Settings

#: Benchmark id → module. Each module has ``TITLE``, ``METHOD`` and ``run(settings) -> list[Figure]``, and imports
#: the project's parts only inside ``run`` so that a part that is missing affects only its own rows.
BENCHMARKS: dict[str, str] = {
    "B1": "bench.b1_synth",
    "B2": "bench.b2_calls",
    "B3": "bench.b3_detection",
    "B4": "bench.b4_chunks",
    "B5": "bench.b5_manifest",
    "B6": "bench.b6_cold_start",
    "B7": "bench.b7_demo",
    "B8": "bench.b8_scale",
    "B9": "bench.b9_models",
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes and one repeat: a fast smoke pass")
    parser.add_argument("--only", default="", help="comma-separated benchmark ids, e.g. B1,B5 (default: all)")
    parser.add_argument("--repeat", type=int, default=None, help="samples per measurement (overrides defaults)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results", help="where latest.{md,json} go")
    args = parser.parse_args(argv)
    selected = [b.strip().upper() for b in args.only.split(",") if b.strip()] or list(BENCHMARKS)
    unknown = [b for b in selected if b not in BENCHMARKS]
    if unknown:
        parser.error(f"--only: unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be >= 1")
    args.selected = selected
    return args


def _machine() -> dict[str, str]:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load average at start": load,
    }


def run_benchmark(bench: str, settings: Settings) -> tuple[list[Figure], str]:
    """Run one benchmark; any failure becomes a "not measured" row that says why. Returns rows and METHOD."""
    module: Any = importlib.import_module(BENCHMARKS[bench])
    try:
        figures: list[Figure] = module.run(settings)
    except ModuleNotFoundError as exc:
        figures = [not_measured(bench, module.TITLE, f"`{exc.name}` is not importable (the part has not landed)")]
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        figures = [not_measured(bench, module.TITLE, f"{type(exc).__name__}: {reason[:200]}")]
    return figures, str(module.METHOD)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = _machine()
    durations: dict[str, float] = {}
    figures: list[Figure] = []
    methods: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        settings = Settings(workdir=Path(tmp), quick=args.quick, repeat=args.repeat)
        for bench in args.selected:
            print(f"[bench] {bench} ...", file=sys.stderr, flush=True)
            start = time.perf_counter()
            rows, methods[bench] = run_benchmark(bench, settings)
            durations[bench] = round(time.perf_counter() - start, 1)
            figures += rows
            print(f"[bench] {bench} done in {durations[bench]} s", file=sys.stderr, flush=True)
    report = Report(
        generated_at=started,
        machine=machine,
        settings={"quick": args.quick, "repeat override": args.repeat, "seconds per benchmark": durations},
        figures=figures,
        methods=methods,
    )
    md_path, json_path = report.write(args.out)
    sys.stdout.write(render_table(figures))
    print(f"[bench] wrote {md_path} and {json_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
