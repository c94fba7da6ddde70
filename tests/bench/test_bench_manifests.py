"""The synthetic manifests the benchmarks feed to the validator and the handler."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bench.manifests import classification_line, detection_line, write_entries, write_manifest

if TYPE_CHECKING:
    from pathlib import Path


def test_lines_are_documented_shapes() -> None:
    line = json.loads(classification_line(3))
    assert line["source-ref"] == "s3://bench-images/images/0000003.jpg"
    assert line["bench-classification-metadata"]["type"] == "groundtruth/image-classification"
    box = json.loads(detection_line(1, boxes=2))
    assert len(box["bounding-box"]["annotations"]) == len(box["bounding-box-metadata"]["objects"]) == 2


def test_write_manifest_writes_the_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.manifest"
    size = write_manifest(path, "detection", 5)
    assert size == path.stat().st_size
    assert len(path.read_text().splitlines()) == 5


def test_write_entries_reaches_the_size(tmp_path: Path) -> None:
    path = tmp_path / "entries.jsonl"
    lines = write_entries(path, 10_000)
    assert path.stat().st_size >= 10_000
    assert len(path.read_text().splitlines()) == lines
