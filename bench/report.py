"""Figures, their statistics (median/min/max, ratio of medians), target verdicts, and the markdown/JSON report."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

Verdict = Literal["met", "missed", "info", "not measured"]

#: Larger sample sets (e.g. simulated ones) are summarised in the JSON, not listed.
MAX_JSON_SAMPLES = 100
_BYTE_UNITS = (("MiB", 1024**2), ("KiB", 1024))


@dataclass(frozen=True)
class Stats:
    """Samples of one measured quantity, in ``unit`` ("s", "bytes", "calls", "lines/s", "x", ...)."""

    unit: str
    samples: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.samples:
            raise ValueError("Stats needs at least one sample")

    @classmethod
    def of(cls, unit: str, samples: Sequence[float]) -> Stats:
        return cls(unit, tuple(float(s) for s in samples))

    @property
    def median(self) -> float:
        return float(statistics.median(self.samples))

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def to_dict(self) -> dict[str, Any]:
        """JSON form; the raw samples are kept when there are at most ``MAX_JSON_SAMPLES`` of them."""
        data: dict[str, Any] = {
            "unit": self.unit,
            "median": self.median,
            "min": self.min,
            "max": self.max,
            "n": len(self.samples),
        }
        if len(self.samples) <= MAX_JSON_SAMPLES:
            data["samples"] = list(self.samples)
        return data


@dataclass(frozen=True)
class Figure:
    """One row of the table: a subject measurement, its same-run baseline (if any), the target and the verdict."""

    bench: str
    what: str
    value: Stats | None
    target: str = ""
    verdict: Verdict = "info"
    baseline: Stats | None = None
    baseline_label: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Ratio of medians, subject over baseline (same run)."""
        if self.value is None or self.baseline is None or self.baseline.median == 0:
            return None
        return self.value.median / self.baseline.median

    def to_dict(self) -> dict[str, Any]:
        return {
            "bench": self.bench,
            "what": self.what,
            "value": None if self.value is None else self.value.to_dict(),
            "baseline": None if self.baseline is None else self.baseline.to_dict(),
            "baseline_label": self.baseline_label,
            "ratio": self.ratio,
            "target": self.target,
            "verdict": self.verdict,
            "note": self.note,
        }


def not_measured(bench: str, what: str, why: str, target: str = "") -> Figure:
    """A row that says why there is no number (never a made-up one)."""
    return Figure(bench, what, None, target=target, verdict="not measured", note=why)


def verdict(ok: bool) -> Verdict:
    return "met" if ok else "missed"


@dataclass
class Report:
    """Everything one ``python -m bench`` run produced."""

    generated_at: str
    machine: dict[str, str]
    settings: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "machine": self.machine,
            "settings": self.settings,
            "figures": [f.to_dict() for f in self.figures],
            "methods": self.methods,
        }

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Write ``latest.md`` and ``latest.json`` into ``directory``; returns their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        md_path, json_path = directory / "latest.md", directory / "latest.json"
        md_path.write_text(render_markdown(self), encoding="utf-8")
        json_path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return md_path, json_path


def _significant(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_value(value: float, unit: str) -> str:
    """Human form: seconds as s/ms, bytes as MiB/KiB/bytes, everything else as ``<number> <unit>``."""
    if unit == "s":
        return f"{_significant(value)} s" if abs(value) >= 1 else f"{_significant(value * 1000)} ms"
    if unit == "bytes":
        for name, size in _BYTE_UNITS:
            if abs(value) >= size:
                return f"{_significant(value / size)} {name}"
        return f"{value:,.0f} B"
    if unit == "x":
        return f"{_significant(value)}x"
    return f"{_significant(value)} {unit}"


def format_stats(stats: Stats | None) -> str:
    """``median [min, max] n=<samples>``, or just the value when all samples agree."""
    if stats is None:
        return "—"
    median = format_value(stats.median, stats.unit)
    if stats.min == stats.max:
        return median if len(stats.samples) == 1 else f"{median} (all {len(stats.samples)} equal)"
    low, high = format_value(stats.min, stats.unit), format_value(stats.max, stats.unit)
    return f"{median} [{low}, {high}] n={len(stats.samples)}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _result_cell(figure: Figure) -> str:
    if figure.verdict == "not measured":
        return f"not measured: {figure.note}"
    labels = {"met": "**met**", "missed": "**missed**", "info": "—"}
    return labels[figure.verdict]


def render_table(figures: Sequence[Figure]) -> str:
    """The markdown table the README shows."""
    lines = [
        "| # | What | Ours: median [min, max] n | Baseline (same run) | Ratio | Target | Result |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        baseline = format_stats(f.baseline)
        if f.baseline is not None and f.baseline_label:
            baseline = f"{f.baseline_label}: {baseline}"
        elif f.baseline_label:
            baseline = f.baseline_label
        ratio = "—" if f.ratio is None else format_value(f.ratio, "x")
        row = (f.bench, f.what, format_stats(f.value), baseline, ratio, f.target, _result_cell(f))
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def render_markdown(report: Report) -> str:
    """The whole ``latest.md``: provenance, the table, per-row notes and how each benchmark measures."""
    out = [
        "# Benchmark results",
        "",
        f"Generated {report.generated_at} by `make bench` (`python -m bench`).",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in report.machine.items()) + ".",
        "Settings: " + ", ".join(f"{k}={v}" for k, v in report.settings.items()) + ".",
        "",
        render_table(report.figures),
    ]
    notes = [f for f in report.figures if f.note and f.verdict != "not measured"]
    if notes:
        out += ["## Notes", ""]
        out += [f"- **{f.bench} {f.what}**: {f.note}" for f in notes]
        out.append("")
    if report.methods:
        out += ["## How each figure is measured", ""]
        out += [f"- **{bench}**: {text}" for bench, text in sorted(report.methods.items())]
        out.append("")
    return "\n".join(out)
