"""B1 smoke run: one small synthesized stack; checks what is read from it, never timings."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from bench import b1_synth

if TYPE_CHECKING:
    from pathlib import Path


def test_synth_reports_template_and_provider_resources(tmp_path: Path) -> None:
    result = b1_synth.synth("library", 2, tmp_path / "out")
    assert result.template_bytes > 0
    assert 0 < result.provider_resources < result.resources
    assert min(result.wall_s, result.import_s, result.build_s, result.synth_s) > 0


def test_provider_row_names_the_resource_types_that_grew() -> None:
    row = b1_synth._provider_row(
        {
            1: Counter({"AWS::Lambda::Function": 5, "AWS::IAM::Policy": 5}),
            100: Counter({"AWS::Lambda::Function": 5, "AWS::IAM::Policy": 5, "AWS::IAM::ManagedPolicy": 5}),
        }
    )
    assert row.verdict == "missed"
    assert row.note == "by N: 1: 10, 100: 15; grew from N=1 to N=100: AWS::IAM::ManagedPolicy 0 -> 5"
    steady = b1_synth._provider_row(
        {1: Counter({"AWS::Lambda::Function": 5}), 4: Counter({"AWS::Lambda::Function": 5})}
    )
    assert steady.verdict == "met"
