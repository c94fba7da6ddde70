"""B1 smoke run: one small synthesized stack; checks what is read from it, never timings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import b1_synth

if TYPE_CHECKING:
    from pathlib import Path


def test_synth_reports_template_and_provider_resources(tmp_path: Path) -> None:
    result = b1_synth.synth("library", 2, tmp_path / "out")
    assert result.template_bytes > 0
    assert 0 < result.provider_resources < result.resources
    assert min(result.wall_s, result.import_s, result.build_s, result.synth_s) > 0
