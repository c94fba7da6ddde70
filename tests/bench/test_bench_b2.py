"""B2 smoke run: every lifecycle through the real handler, counted from the emulator's request log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import b2_calls

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator


def test_lifecycles_count_the_calls_of_each_phase_and_source(emulator: Emulator) -> None:
    results = b2_calls.lifecycles(emulator, interval=10.0)
    assert [(r.phase, r.source) for r in results] == [
        ("create", "manifest"),
        ("update", "manifest"),
        ("delete", "manifest"),
        ("create", "entries"),
        ("update", "entries"),
        ("delete", "entries"),
    ]
    for result in results:
        assert result.polls >= 1
        minimum, _ = b2_calls.MINIMUM[(result.phase, result.source)]
        # every change the minimum names was made; status reads may be DescribeProjects instead of DescribeDataset
        changes = {operation: count for operation, count in minimum.items() if not operation.startswith("Describe")}
        assert all(result.calls[operation] >= count for operation, count in changes.items())
        assert result.total >= sum(minimum.values())
