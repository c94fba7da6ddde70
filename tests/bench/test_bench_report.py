"""The report layer: statistics, ratios, verdicts and the markdown/JSON output."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from bench.report import Figure, Report, Stats, format_stats, format_value, not_measured, render_table, verdict

if TYPE_CHECKING:
    from pathlib import Path


def test_stats_median_min_max() -> None:
    stats = Stats.of("s", [3, 1, 2, 10])
    assert (stats.median, stats.min, stats.max) == (2.5, 1.0, 10.0)


def test_stats_needs_samples() -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        Stats.of("s", [])


def test_ratio_is_of_medians_and_absent_without_baseline() -> None:
    figure = Figure("B1", "x", Stats.of("s", [2, 4, 100]), baseline=Stats.of("s", [1, 2, 3]))
    assert figure.ratio == 2.0
    assert Figure("B1", "x", Stats.of("s", [1])).ratio is None


def test_verdict() -> None:
    assert verdict(True) == "met"
    assert verdict(False) == "missed"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.0123, "s", "12.3 ms"),
        (12.34, "s", "12.3 s"),
        (5 * 1024 * 1024, "bytes", "5 MiB"),
        (2048, "bytes", "2 KiB"),
        (10, "bytes", "10 B"),
        (1.5, "x", "1.50x"),
        (250000, "lines/s", "250,000 lines/s"),
        (1234.5, "lines/s", "1,234 lines/s"),
    ],
)
def test_format_value(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


def test_format_stats_shows_range_and_count() -> None:
    assert format_stats(Stats.of("calls", [3, 4, 5])) == "4 calls [3 calls, 5 calls] n=3"
    assert format_stats(Stats.of("calls", [4, 4])) == "4 calls (all 2 equal)"
    assert format_stats(None) == "—"


def test_table_says_why_a_row_is_not_measured() -> None:
    table = render_table(
        [not_measured("B7", "demo wall time", "`rekognition_datasets_local.runner.demo` is not importable")]
    )
    assert "not measured: `rekognition_datasets_local.runner.demo` is not importable" in table
    assert table.count("\n") == 3


def test_report_writes_markdown_and_json(tmp_path: Path) -> None:
    figure = Figure(
        "B5",
        "validation time",
        Stats.of("s", [2.0, 3.0]),
        target="≤ 3x baseline",
        verdict="met",
        baseline=Stats.of("s", [1.0, 1.0]),
        baseline_label="json.loads loop",
        note="a|b",
    )
    report = Report("2026-01-01 00:00 UTC", {"cpus": "2"}, {"quick": True}, [figure], {"B5": "how"})
    md_path, json_path = report.write(tmp_path)
    markdown = md_path.read_text()
    assert "| B5 | validation time |" in markdown
    assert "json.loads loop: 1 s (all 2 equal)" in markdown
    assert "- **B5 validation time**: a|b" in markdown
    assert "- **B5**: how" in markdown
    data = json.loads(json_path.read_text())
    assert data["figures"][0]["ratio"] == 2.5
    assert data["figures"][0]["value"]["samples"] == [2.0, 3.0]
