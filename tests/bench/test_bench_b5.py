"""B5 smoke run: tiny manifests, one repeat; checks the rows' shape, never timings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import b5_manifest

if TYPE_CHECKING:
    from pathlib import Path


def test_run_kind_gives_time_rate_and_memory_rows(tmp_path: Path) -> None:
    rows = b5_manifest.run_kind("detection", 50, 1, tmp_path)
    assert [r.bench for r in rows] == ["B5"] * 3
    time_row, rate_row, memory_row = rows
    assert time_row.value is not None and time_row.baseline is not None
    assert time_row.verdict in ("met", "missed")
    assert rate_row.value is not None and rate_row.value.unit == "lines/s"
    assert memory_row.value is not None and memory_row.value.min > 0
